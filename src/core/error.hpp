#pragma once

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace keel {

/// The error codes of API.md §2; each maps to exactly one HTTP status.
enum class ErrorCode {
  kBadRequest,
  kInvalidJson,
  kValidation,
  kUnauthorized,
  kTokenExpired,
  kInvalidCredentials,
  kForbidden,
  kNotFound,
  kMethodNotAllowed,
  kConflict,
  kPreconditionFailed,
  kPayloadTooLarge,
  kHeadersTooLarge,
  kUnsupportedMediaType,
  kRateLimited,
  kInternal,
  kUnavailable,
};

/// Field name -> message, rendered as the `details` object of an error body.
using ErrorDetails = std::map<std::string, std::string>;

/// The one exception type that ends a request. `what()` is for the log only;
/// `message()` and `details()` are what the client sees.
class Error : public std::runtime_error {
 public:
  /// Builds an error; `internal` goes to the log, `message` to the client.
  Error(ErrorCode code, std::string message, ErrorDetails details = {}, std::string internal = {});

  ErrorCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  const ErrorDetails& details() const noexcept { return details_; }
  /// Extra response headers the error needs, e.g. Allow for 405 or Retry-After for 429.
  const std::vector<std::pair<std::string, std::string>>& headers() const noexcept { return headers_; }
  /// Adds a response header; returns *this so factories can chain it.
  Error& with_header(std::string name, std::string value) &;
  Error&& with_header(std::string name, std::string value) &&;

  /// A request the HTTP parser refused (bad request line, bad framing).
  static Error bad_request(std::string message);
  static Error invalid_json(std::string message);
  static Error validation(ErrorDetails details, std::string message = "The request is not valid");
  static Error unauthorized(std::string message = "Authentication is required");
  static Error forbidden(std::string message = "You may not do this");
  static Error not_found(std::string message = "Not found");
  static Error method_not_allowed();
  static Error conflict(const std::string& field, std::string message = "already exists");
  static Error payload_too_large(std::size_t limit);
  static Error headers_too_large();
  static Error unsupported_media_type();
  static Error rate_limited(std::string message = "Too many requests");
  /// 429 with Retry-After: `left` rounded up to whole seconds, at least 1.
  static Error rate_limited(std::chrono::milliseconds left, std::string message = "Too many requests; try again later");
  /// A 500: the client sees a fixed message, `internal` goes to the log.
  static Error internal(std::string internal);
  /// A 503: a dependency is down or the server sheds load.
  static Error unavailable(std::string message, std::string internal = {});

 private:
  ErrorCode code_;
  std::string message_;
  ErrorDetails details_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

/// The HTTP status of an error code (API.md §2).
int http_status(ErrorCode code) noexcept;

/// The wire name of an error code, e.g. "VALIDATION_ERROR".
const char* error_code_name(ErrorCode code) noexcept;

}  // namespace keel
