#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include <boost/json/fwd.hpp>

#include "core/error.hpp"
#include "http/request.hpp"

namespace keel::http {

/// Deepest nesting a request body may have; deeper is a 400, never a stack overflow.
inline constexpr unsigned kMaxJsonDepth = 64;

/// Parses the body of a POST/PUT/PATCH: nullopt when there is none; throws
/// Error::unsupported_media_type for a non-JSON Content-Type and Error::invalid_json for
/// malformed JSON, invalid UTF-8, nesting over kMaxJsonDepth, or a value that is not an object.
std::optional<boost::json::value> parse_json_body(const Request& req);

/// The request's JSON object body; throws Error::invalid_json when the request had none.
const boost::json::object& require_json_object(const Request& req);

/// Reads the string field `name` into `out`: false, with `details[name]` saying why, when it is
/// absent, null or not a string.
bool read_required_string(const boost::json::object& body, const char* name, std::string& out, ErrorDetails& details);

/// A string field that may be absent: nullopt when absent; records in `details` a non-string.
std::optional<std::string> read_optional_string(const boost::json::object& body, const char* name,
                                                ErrorDetails& details);

/// Records every key of `body` not in `known` in `details` as "is not a known field".
void reject_unknown_fields(const boost::json::object& body, std::initializer_list<std::string_view> known,
                           ErrorDetails& details);

/// True for "application/json" with optional parameters (charset must be UTF-8 if given).
bool is_json_content_type(std::string_view content_type) noexcept;

}  // namespace keel::http
