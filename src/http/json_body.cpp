#include "http/json_body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "http/headers.hpp"

namespace keel::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

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

const boost::json::object& require_json_object(const Context& ctx) {
  if (!ctx.json) throw Error::invalid_json("A JSON object body is required");
  return ctx.json->as_object();
}

}  // namespace keel::http
