#include "events/event_routes.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "core/error.hpp"
#include "events/event_log.hpp"
#include "http/context.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace keel::events {
namespace {

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;

// A decimal integer without sign or spaces that fits in 64 bits, or nothing.
std::optional<std::int64_t> whole_number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || s.front() == '-') return std::nullopt;
  return n;
}

struct EventQuery {
  std::int64_t since = 0;
  std::int64_t limit = kDefaultLimit;
};

// Every problem at once, each named by its parameter; unknown ones are refused as on lists.
EventQuery parse_query(const http::QueryParams& query) {
  EventQuery q;
  ErrorDetails details;
  bool seen_since = false, seen_limit = false;
  for (const auto& [name, value] : query) {
    if (name == "since" || name == "limit") {
      bool& seen = name == "since" ? seen_since : seen_limit;
      if (seen) {
        details[name] = "must be given once";
        continue;
      }
      seen = true;
      const auto n = whole_number(value);
      if (name == "since") {
        if (n) q.since = *n;
        else details[name] = "must be an integer of 0 or more";
      } else {
        if (n && *n >= 1 && *n <= kMaxLimit) q.limit = *n;
        else details[name] = "must be an integer from 1 to 1000";
      }
    } else {
      details[name] = "is not a known parameter";
    }
  }
  if (!details.empty()) throw Error::validation(std::move(details));
  return q;
}

constexpr std::string_view kSchemas = R"json({
  "Event": {
    "type": "object", "required": ["id", "seq", "type", "resource", "recordId", "actorId", "at", "data"],
    "additionalProperties": false,
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "seq": {"type": "integer", "minimum": 1, "description": "grows in commit order across the whole database"},
      "type": {"type": "string", "examples": ["tasks.created", "users.deleted", "auth.logged_in"]},
      "resource": {"type": "string", "description": "the resource, \"users\", or \"auth\""},
      "recordId": {"type": "string", "format": "uuid"},
      "actorId": {"type": ["string", "null"], "format": "uuid", "description": "the user who acted; null for keel itself"},
      "at": {"type": "string", "format": "date-time"},
      "data": {"type": "object", "description": "the record after the change (as it was, for a deletion), as an admin reads it"}}
  },
  "EventPage": {
    "type": "object", "required": ["data", "meta"], "additionalProperties": false,
    "properties": {
      "data": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
      "meta": {"type": "object", "required": ["nextSince", "headSeq"], "additionalProperties": false,
               "properties": {"nextSince": {"type": "integer", "minimum": 0, "description": "the since of the next page"},
                              "headSeq": {"type": "integer", "minimum": 0, "description": "the newest seq"}}}}
  }
})json";

}  // namespace

void add_routes(openapi::Routes& routes, EventLog& log) {
  routes.add_schemas(kSchemas);
  routes.add(http::Method::get, "/api/events", [&log](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    const Principal caller = ctx.caller.require();
    // Before the parameters: non-admins learn nothing from a 400.
    if (!caller.is_admin()) throw Error::forbidden("Only admins may read the event log");
    const EventQuery q = parse_query(req.query);
    EventPage page = co_await log.read(q.since, q.limit);
    co_return http::Response::json_text(200, std::move(page.json));
  }, {.summary = "Events after a seq, in commit order (admins)",
      .tag = "events",
      .bearer = true,
      .response = "EventPage",
      .errors = {400},
      .parameters = {
          boost::json::object{{"name", "since"}, {"in", "query"}, {"required", false},
                              {"description", "the seq of the last event seen (0: from the start); older than the retained events: 400 with details.since = \"resync required\""},
                              {"schema", boost::json::object{{"type", "integer"}, {"minimum", 0}, {"default", 0}}}},
          boost::json::object{{"name", "limit"}, {"in", "query"}, {"required", false},
                              {"schema", boost::json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxLimit}, {"default", kDefaultLimit}}}}}});
}

}  // namespace keel::events
