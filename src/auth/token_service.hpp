#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace keel::auth {

/// What a verified access token says about its bearer.
struct Claims {
  std::string user_id;  // sub
  std::string role;
  std::string session_id;  // sid
  std::int64_t expires_at = 0;  // exp, unix seconds
};

/// A signed access token and when it expires.
struct IssuedToken {
  std::string token;
  std::int64_t expires_in;  // seconds
};

/// Access tokens: JWT HS256 (libjwt), claims iss sub role sid jti iat exp. Verification pins
/// the algorithm and the issuer.
class TokenService {
 public:
  /// Throws std::invalid_argument for a secret under 32 bytes.
  TokenService(std::string secret, std::string issuer, std::chrono::seconds ttl,
               const Clock& clock = Clock::system());

  /// Signs a token for the user and session; throws std::runtime_error if libjwt fails.
  IssuedToken issue(std::string_view user_id, std::string_view role, std::string_view session_id) const;
  /// The token's claims. Throws Error::unauthorized for anything malformed, badly signed, of
  /// another algorithm or issuer; Error(kTokenExpired) for a valid token past exp.
  Claims verify(std::string_view token) const;

 private:
  std::string secret_;
  std::string issuer_;
  std::chrono::seconds ttl_;
  const Clock& clock_;
  std::uint64_t instance_;  // tells this service's verified tokens apart in the per-thread cache
};

}  // namespace keel::auth
