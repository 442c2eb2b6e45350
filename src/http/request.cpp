#include "http/request.hpp"

#include <boost/url/parse_query.hpp>

#include "core/error.hpp"

namespace keel::http {

QueryParams QueryParams::parse(std::string_view raw) { return parse_query(raw, false); }

QueryParams QueryParams::parse_form(std::string_view raw) { return parse_query(raw, true); }

QueryParams QueryParams::parse_query(std::string_view raw, bool plus_as_space) {
  QueryParams out;
  if (raw.empty()) return out;
  // Clients send list filters as field[op]=v with the brackets raw (RFC 3986 wants them
  // encoded, but browsers and common query libraries do not): read them as if encoded.
  std::string escaped;
  if (raw.find_first_of("[]") != std::string_view::npos) {
    escaped.reserve(raw.size() + 8);
    for (char c : raw) {
      if (c == '[') escaped += "%5B";
      else if (c == ']') escaped += "%5D";
      else escaped.push_back(c);
    }
    raw = escaped;
  }
  auto parsed = boost::urls::parse_query(raw);
  if (!parsed) {
    throw Error::validation({{"query", "is not a valid percent-encoded query string"}},
                            "The query string is malformed");
  }
  for (auto param : *parsed) {
    if (param.key.empty()) continue;  // "?&" or "?=x": nothing a route could ask for
    const boost::urls::encoding_opts opts(plus_as_space);
    std::string key = param.key.decode(opts);
    std::string value = param.has_value ? param.value.decode(opts) : std::string();
    out.params_.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

void prepare_request(Request& req) {
  if (req.path.empty() || req.path.front() != '/') {
    throw Error::bad_request("The request target must be an absolute path");
  }
  if (const auto q = req.target.find('?'); q != std::string::npos) {
    req.query = QueryParams::parse(std::string_view(req.target).substr(q + 1));
  }
}

std::optional<std::string_view> QueryParams::get(std::string_view name) const noexcept {
  for (const auto& [k, v] : params_) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

}  // namespace keel::http
