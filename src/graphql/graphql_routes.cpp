#include "graphql/graphql_routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "http/json_body.hpp"

namespace keel::graphql {
namespace json = boost::json;
namespace {

constexpr const char* kGraphqlResponseType = "application/graphql-response+json; charset=utf-8";

// GraphQL over HTTP: application/graphql-response+json when the client accepts it, else
// application/json (also for a missing Accept, */* or a type keel does not serve).
bool wants_graphql_response(const http::Request& req) {
  const std::string_view accept = req.headers.get("Accept").value_or("");
  std::size_t start = 0;
  while (start <= accept.size()) {
    std::size_t end = accept.find(',', start);
    if (end == std::string_view::npos) end = accept.size();
    std::string_view range = accept.substr(start, end - start);
    range = range.substr(0, range.find(';'));
    while (!range.empty() && (range.front() == ' ' || range.front() == '\t')) range.remove_prefix(1);
    while (!range.empty() && (range.back() == ' ' || range.back() == '\t')) range.remove_suffix(1);
    if (range.size() == 33 && std::equal(range.begin(), range.end(), "application/graphql-response+json",
                                         [](char a, char b) { return (a | 0x20) == b || a == b; })) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

http::Response answer(int status, bool graphql_response, std::string body) {
  return http::Response::text(status, graphql_response ? kGraphqlResponseType : http::kJsonContentType,
                              std::move(body));
}

// An error of the HTTP request (before GraphQL runs) in GraphQL's `errors` shape.
http::Response error_answer(const Error& e, bool graphql_response) {
  http::Response res = answer(http_status(e.code()), graphql_response, error_body(e));
  for (const auto& [name, value] : e.headers()) res.headers.set(name, value);
  return res;
}

// A JSON value carried in a GET parameter (`variables`, `extensions`): an object, or absent.
std::optional<json::object> json_parameter(const http::QueryParams& params, const char* name, ErrorDetails& details) {
  const auto text = params.get(name);
  if (!text || text->empty()) return std::nullopt;
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = http::kMaxJsonDepth;
  json::value v = json::parse(*text, ec, {}, options);
  if (ec || !(v.is_object() || v.is_null())) {
    details[name] = "must be a JSON object";
    return std::nullopt;
  }
  if (v.is_null()) return std::nullopt;
  return std::move(v.as_object());
}

Request from_get(const http::Request& req) {
  Request out;
  out.read_only = true;
  ErrorDetails details;
  // Form-encoded, as GraphQL over HTTP says: `+` is a space (REST's parameters keep it).
  const std::size_t mark = req.target.find('?');
  const http::QueryParams params =
      http::QueryParams::parse_form(mark == std::string::npos ? std::string_view() : std::string_view(req.target).substr(mark + 1));
  if (const auto query = params.get("query")) out.query = std::string(*query);
  else details["query"] = "is required: the GraphQL document";
  if (auto variables = json_parameter(params, "variables", details)) out.variables = std::move(*variables);
  json_parameter(params, "extensions", details);
  if (const auto name = params.get("operationName"); name && !name->empty()) out.operation_name = std::string(*name);
  if (!details.empty()) throw Error::validation(std::move(details), "The GraphQL request is not valid");
  return out;
}

Request from_post(const http::Request& req) {
  if (!req.json) {
    throw Error::validation({{"query", "is required: send {\"query\": \"...\"} as application/json"}},
                            "The GraphQL request is not valid");
  }
  const json::object& body = req.json->as_object();
  Request out;
  ErrorDetails details;
  const json::value* query = body.if_contains("query");
  if (query && query->is_string()) out.query = std::string(query->as_string());
  else details["query"] = "is required: the GraphQL document, a string";
  if (const json::value* v = body.if_contains("variables"); v && !v->is_null()) {
    if (v->is_object()) out.variables = v->as_object();
    else details["variables"] = "must be an object";
  }
  if (const json::value* v = body.if_contains("operationName"); v && !v->is_null()) {
    if (v->is_string()) out.operation_name = std::string(v->as_string());
    else details["operationName"] = "must be a string";
  }
  if (const json::value* v = body.if_contains("extensions"); v && !v->is_null() && !v->is_object()) {
    details["extensions"] = "must be an object";
  }
  if (!details.empty()) throw Error::validation(std::move(details), "The GraphQL request is not valid");
  return out;
}

Task<http::Response> serve(const Executor& executor, http::Request& req, http::Context& ctx) {
  const bool graphql_response = wants_graphql_response(req);
  std::optional<Error> refused;
  Request request;
  std::optional<Principal> caller;
  try {
    request = req.method == http::Method::get ? from_get(req) : from_post(req);
    caller = ctx.caller.optional();  // a token sent and refused is a 401, never anonymous
  } catch (const Error& e) {
    refused = e;
  }
  if (refused) co_return error_answer(*refused, graphql_response);

  Outcome outcome = co_await executor.run(std::move(request), std::move(caller));
  switch (outcome.kind) {
    case Outcome::Kind::kExecuted:
      co_return answer(200, graphql_response, std::move(outcome.body));
    case Outcome::Kind::kRefused:
      co_return answer(graphql_response ? 400 : 200, graphql_response, std::move(outcome.body));
    case Outcome::Kind::kMutationOverGet: {
      http::Response res = answer(405, graphql_response, std::move(outcome.body));
      res.headers.set("Allow", "POST");
      co_return res;
    }
  }
  co_return answer(500, graphql_response, "{\"errors\":[{\"message\":\"Internal error\"}]}");
}

constexpr const char* kSchemas = R"json({
  "GraphqlRequest": {
    "type": "object", "required": ["query"],
    "properties": {
      "query": {"type": "string", "description": "the GraphQL document"},
      "variables": {"type": ["object", "null"], "additionalProperties": true},
      "operationName": {"type": ["string", "null"]},
      "extensions": {"type": ["object", "null"], "additionalProperties": true}
    }
  },
  "GraphqlResponse": {
    "type": "object",
    "properties": {
      "data": {"type": ["object", "null"], "additionalProperties": true},
      "errors": {
        "type": "array",
        "items": {
          "type": "object", "required": ["message"],
          "properties": {
            "message": {"type": "string"},
            "locations": {"type": "array", "items": {"type": "object", "properties": {
              "line": {"type": "integer"}, "column": {"type": "integer"}}}},
            "path": {"type": "array", "items": {"type": ["string", "integer"]}},
            "extensions": {"type": "object", "properties": {
              "code": {"type": "string"}, "details": {"type": "object", "additionalProperties": {"type": "string"}}}}
          }
        }
      }
    }
  }
})json";

}  // namespace

void add_routes(openapi::Routes& routes, const Executor& executor) {
  routes.add_schemas(kSchemas);
  const auto handler = [&executor](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    return serve(executor, req, ctx);
  };
  const std::string about =
      "Runs a GraphQL request (API.md §13, docs/graphql.md) with the caller's access rules. The answer is "
      "application/graphql-response+json when Accept names it (a request refused before it runs: 400), else "
      "application/json (refused: 200 with `errors`).";
  routes.add(http::Method::post, "/api/graphql", handler,
             {.summary = about, .tag = "graphql", .bearer_optional = true, .request = "GraphqlRequest",
              .response = "GraphqlResponse", .error_response = "GraphqlResponse", .errors = {400}});
  routes.add(http::Method::get, "/api/graphql", handler,
             {.summary = about + " Queries only: a mutation is 405.", .tag = "graphql", .bearer_optional = true,
              .response = "GraphqlResponse", .error_response = "GraphqlResponse", .errors = {400, 405},
              .parameters = {
                  json::object{{"name", "query"}, {"in", "query"}, {"required", true},
                               {"description", "the GraphQL document"}, {"schema", json::object{{"type", "string"}}}},
                  json::object{{"name", "variables"}, {"in", "query"}, {"required", false},
                               {"description", "the variables, a JSON object"},
                               {"schema", json::object{{"type", "string"}}}},
                  json::object{{"name", "operationName"}, {"in", "query"}, {"required", false},
                               {"schema", json::object{{"type", "string"}}}},
                  json::object{{"name", "extensions"}, {"in", "query"}, {"required", false},
                               {"description", "a JSON object (ignored)"},
                               {"schema", json::object{{"type", "string"}}}}}});
}

}  // namespace keel::graphql
