#include "http/json_body.hpp"

#include <algorithm>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "core/text_rules.hpp"
#include "http/headers.hpp"

namespace keel::http {
bool is_json_content_type(std::string_view content_type) noexcept {
  const auto semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "application/json")) return false;
  std::string_view rest = semi == std::string_view::npos ? std::string_view{} : content_type.substr(semi + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const std::string_view param = trim(rest.substr(0, next));
    const auto eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "charset")) {
      std::string_view value = trim(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      if (!iequals(value, "utf-8") && !iequals(value, "utf8")) return false;
    }
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
  }
  return true;
}

std::optional<boost::json::value> parse_json_body(const Request& req) {
  const auto content_type = req.headers.get("Content-Type");
  if (req.body.empty() && !content_type) return std::nullopt;
  if (!content_type || !is_json_content_type(*content_type)) throw Error::unsupported_media_type();
  if (req.body.empty()) return std::nullopt;

  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(req.body, ec, {}, options);
  if (ec) {
    if (ec == boost::json::error::too_deep) {
      throw Error::invalid_json("The request body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    throw Error::invalid_json("The request body is not well-formed JSON (" + ec.message() + ")");
  }
  if (!value.is_object()) throw Error::invalid_json("The request body must be a JSON object");
  return value;
}

const boost::json::object& require_json_object(const Request& req) {
  if (!req.json) throw Error::invalid_json("A JSON object body is required");
  return req.json->as_object();
}

bool read_required_string(const boost::json::object& body, const char* name, std::string& out, ErrorDetails& details) {
  const auto* v = body.if_contains(name);
  if (!v || v->is_null()) {
    details[name] = "is required";
    return false;
  }
  if (!v->is_string()) {
    details[name] = "must be a string";
    return false;
  }
  out = std::string(v->as_string());
  return true;
}

std::optional<std::string> read_optional_string(const boost::json::object& body, const char* name,
                                                ErrorDetails& details) {
  const auto* v = body.if_contains(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    details[name] = "must be a string";
    return std::nullopt;
  }
  return std::string(v->as_string());
}

void reject_unknown_fields(const boost::json::object& body, std::initializer_list<std::string_view> known,
                           ErrorDetails& details) {
  for (const auto& [key, value] : body) {
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
      details[std::string(key)] = "is not a known field";
    }
  }
}

}  // namespace keel::http
