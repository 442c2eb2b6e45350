#include "core/error.hpp"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace keel {

Error::Error(ErrorCode code, std::string message, ErrorDetails details, std::string internal)
    : std::runtime_error(internal.empty() ? message : internal),
      code_(code),
      message_(std::move(message)),
      details_(std::move(details)) {}

Error& Error::with_header(std::string name, std::string value) & {
  headers_.emplace_back(std::move(name), std::move(value));
  return *this;
}
Error&& Error::with_header(std::string name, std::string value) && {
  headers_.emplace_back(std::move(name), std::move(value));
  return std::move(*this);
}

Error Error::bad_request(std::string message) {
  return Error(ErrorCode::kBadRequest, std::move(message));
}
Error Error::invalid_json(std::string message) {
  return Error(ErrorCode::kInvalidJson, std::move(message));
}
Error Error::validation(ErrorDetails details, std::string message) {
  return Error(ErrorCode::kValidation, std::move(message), std::move(details));
}
Error Error::unauthorized(std::string message) {
  return Error(ErrorCode::kUnauthorized, std::move(message));
}
Error Error::forbidden(std::string message) {
  return Error(ErrorCode::kForbidden, std::move(message));
}
Error Error::not_found(std::string message) {
  return Error(ErrorCode::kNotFound, std::move(message));
}
Error Error::method_not_allowed() {
  return Error(ErrorCode::kMethodNotAllowed, "Method not allowed for this path");
}
Error Error::conflict(const std::string& field, std::string message) {
  return Error(ErrorCode::kConflict, fmt::format("{} {}", field, message), {{field, message}});
}
Error Error::payload_too_large(std::size_t limit) {
  return Error(ErrorCode::kPayloadTooLarge,
               fmt::format("Request body is larger than the limit of {} bytes", limit));
}
Error Error::headers_too_large() {
  return Error(ErrorCode::kHeadersTooLarge, "Request headers are larger than 16 KiB");
}
Error Error::unsupported_media_type() {
  return Error(ErrorCode::kUnsupportedMediaType, "Request bodies must be application/json");
}
Error Error::rate_limited(std::string message) {
  return Error(ErrorCode::kRateLimited, std::move(message));
}
Error Error::rate_limited(std::chrono::milliseconds left, std::string message) {
  const auto seconds = std::max<std::int64_t>(1, (left.count() + 999) / 1000);
  return rate_limited(std::move(message)).with_header("Retry-After", std::to_string(seconds));
}
Error Error::internal(std::string internal) {
  return Error(ErrorCode::kInternal, "An internal error occurred", {}, std::move(internal));
}
Error Error::unavailable(std::string message, std::string internal) {
  return Error(ErrorCode::kUnavailable, std::move(message), {}, std::move(internal));
}

int http_status(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kBadRequest: return 400;
    case ErrorCode::kInvalidJson: return 400;
    case ErrorCode::kValidation: return 400;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kTokenExpired: return 401;
    case ErrorCode::kInvalidCredentials: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kPreconditionFailed: return 412;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kHeadersTooLarge: return 431;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kInternal: return 500;
    case ErrorCode::kUnavailable: return 503;
  }
  return 500;
}

const char* error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kBadRequest: return "BAD_REQUEST";
    case ErrorCode::kInvalidJson: return "INVALID_JSON";
    case ErrorCode::kValidation: return "VALIDATION_ERROR";
    case ErrorCode::kUnauthorized: return "UNAUTHORIZED";
    case ErrorCode::kTokenExpired: return "TOKEN_EXPIRED";
    case ErrorCode::kInvalidCredentials: return "INVALID_CREDENTIALS";
    case ErrorCode::kForbidden: return "FORBIDDEN";
    case ErrorCode::kNotFound: return "NOT_FOUND";
    case ErrorCode::kMethodNotAllowed: return "METHOD_NOT_ALLOWED";
    case ErrorCode::kConflict: return "CONFLICT";
    case ErrorCode::kPreconditionFailed: return "PRECONDITION_FAILED";
    case ErrorCode::kPayloadTooLarge: return "PAYLOAD_TOO_LARGE";
    case ErrorCode::kUnsupportedMediaType: return "UNSUPPORTED_MEDIA_TYPE";
    case ErrorCode::kHeadersTooLarge: return "HEADERS_TOO_LARGE";
    case ErrorCode::kRateLimited: return "RATE_LIMITED";
    case ErrorCode::kInternal: return "INTERNAL_ERROR";
    case ErrorCode::kUnavailable: return "SERVICE_UNAVAILABLE";
  }
  return "INTERNAL_ERROR";
}

}  // namespace keel
