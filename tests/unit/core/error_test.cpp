#include "core/error.hpp"

#include <gtest/gtest.h>

namespace keel {
namespace {

TEST(Error, EveryCodeMapsToTheStatusOfApiMd) {
  const std::vector<std::tuple<ErrorCode, int, std::string>> table = {
      {ErrorCode::kBadRequest, 400, "BAD_REQUEST"},
      {ErrorCode::kInvalidJson, 400, "INVALID_JSON"},
      {ErrorCode::kValidation, 400, "VALIDATION_ERROR"},
      {ErrorCode::kUnauthorized, 401, "UNAUTHORIZED"},
      {ErrorCode::kTokenExpired, 401, "TOKEN_EXPIRED"},
      {ErrorCode::kInvalidCredentials, 401, "INVALID_CREDENTIALS"},
      {ErrorCode::kForbidden, 403, "FORBIDDEN"},
      {ErrorCode::kNotFound, 404, "NOT_FOUND"},
      {ErrorCode::kMethodNotAllowed, 405, "METHOD_NOT_ALLOWED"},
      {ErrorCode::kConflict, 409, "CONFLICT"},
      {ErrorCode::kPreconditionFailed, 412, "PRECONDITION_FAILED"},
      {ErrorCode::kPayloadTooLarge, 413, "PAYLOAD_TOO_LARGE"},
      {ErrorCode::kUnsupportedMediaType, 415, "UNSUPPORTED_MEDIA_TYPE"},
      {ErrorCode::kHeadersTooLarge, 431, "HEADERS_TOO_LARGE"},
      {ErrorCode::kRateLimited, 429, "RATE_LIMITED"},
      {ErrorCode::kInternal, 500, "INTERNAL_ERROR"},
      {ErrorCode::kUnavailable, 503, "SERVICE_UNAVAILABLE"},
  };
  for (const auto& [code, status, name] : table) {
    EXPECT_EQ(http_status(code), status) << name;
    EXPECT_EQ(error_code_name(code), name);
  }
}

TEST(Error, InternalKeepsDetailOutOfTheClientMessage) {
  const Error e = Error::internal("SELECT * FROM users: disk I/O error at /var/lib/keel.db");
  EXPECT_EQ(e.message(), "An internal error occurred");
  EXPECT_NE(std::string(e.what()).find("SELECT"), std::string::npos);
}

TEST(Error, ConflictNamesTheField) {
  const Error e = Error::conflict("email");
  EXPECT_EQ(e.code(), ErrorCode::kConflict);
  ASSERT_EQ(e.details().count("email"), 1u);
}

TEST(Error, CarriesExtraHeaders) {
  const Error e = Error::rate_limited().with_header("Retry-After", "30");
  ASSERT_EQ(e.headers().size(), 1u);
  EXPECT_EQ(e.headers()[0].first, "Retry-After");
  EXPECT_EQ(e.headers()[0].second, "30");
}

}  // namespace
}  // namespace keel
