#include "auth/token_service.hpp"

#include <gtest/gtest.h>


#include "core/error.hpp"
#include "support/manual_clock.hpp"

namespace keel::auth {
namespace {

// keel's ids are UUIDs; a token naming anything else is refused (see NonUuidIdsAreRefusedThoughCorrectlySigned).
constexpr const char* kUser = "0192f0c4-7a9b-7c3d-8e1f-0123456789ab";
constexpr const char* kSession = "0192f0c4-7a9b-7c3d-8e1f-ba9876543210";

ErrorCode code_of(const TokenService& service, const std::string& token) {
  try {
    service.verify(token);
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "the token was accepted";
  return ErrorCode::kInternal;
}

TEST(TokenService, VerifiesItsOwnTokens) {
  const TokenService service(std::string(40, 'a'), "keel", std::chrono::seconds(60));
  const auto token = service.issue(kUser, "admin", kSession).token;
  for (int i = 0; i < 2; ++i) {  // the second time from the per-thread cache
    const Claims claims = service.verify(token);
    EXPECT_EQ(claims.user_id, kUser);
    EXPECT_EQ(claims.role, "admin");
    EXPECT_EQ(claims.session_id, kSession);
  }
}

TEST(TokenService, AnotherSecretRefusesATokenThisThreadVerifiedBefore) {
  const TokenService issuer(std::string(40, 'a'), "keel", std::chrono::seconds(60));
  const TokenService other(std::string(40, 'b'), "keel", std::chrono::seconds(60));
  const auto token = issuer.issue(kUser, "user", kSession).token;
  issuer.verify(token);
  EXPECT_EQ(code_of(other, token), ErrorCode::kUnauthorized);
}

TEST(TokenService, ACachedTokenStillExpires) {
  test::ManualClock clock;
  clock.advance(std::chrono::milliseconds(1000 - clock.unix_ms() % 1000));  // to a whole second: iat is in seconds
  const TokenService service(std::string(40, 'a'), "keel", std::chrono::seconds(1), clock);
  const auto token = service.issue(kUser, "user", kSession).token;
  service.verify(token);
  clock.advance(std::chrono::milliseconds(999));
  EXPECT_NO_THROW(service.verify(token)) << "not yet: exp is iat + 1 s";
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(code_of(service, token), ErrorCode::kTokenExpired);
}

TEST(TokenService, RefusesATamperedToken) {
  const TokenService service(std::string(40, 'a'), "keel", std::chrono::seconds(60));
  std::string token = service.issue(kUser, "user", kSession).token;
  service.verify(token);
  token.back() = token.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(code_of(service, token), ErrorCode::kUnauthorized);
}

TEST(TokenService, NonUuidIdsAreRefusedThoughCorrectlySigned) {
  const TokenService service(std::string(40, 'a'), "keel", std::chrono::seconds(60));
  EXPECT_EQ(code_of(service, service.issue("user-1", "user", kSession).token), ErrorCode::kUnauthorized);
  EXPECT_EQ(code_of(service, service.issue(kUser, "user", "session-1").token), ErrorCode::kUnauthorized);
}

}  // namespace
}  // namespace keel::auth
