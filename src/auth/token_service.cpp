#include "auth/token_service.hpp"

#include <jwt.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "core/error.hpp"
#include "core/ids.hpp"

namespace keel::auth {
namespace {

// Tokens this thread verified lately, so a client's next request skips the signature check
// and JSON parsing (a tenth of a small request's cost). Keyed by the exact token text and the
// service that verified it; expiry is still checked on every use, revocation by the caller.
struct VerifiedToken {
  std::uint64_t instance;
  long exp;
  Claims claims;
};
constexpr std::size_t kVerifiedCacheSize = 4096;
thread_local std::unordered_map<std::string, VerifiedToken> verified_tokens;
std::atomic<std::uint64_t> next_instance{1};

struct JwtDeleter {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

}  // namespace

TokenService::TokenService(std::string secret, std::string issuer, std::chrono::seconds ttl, const Clock& clock)
    : secret_(std::move(secret)),
      issuer_(std::move(issuer)),
      ttl_(ttl),
      clock_(clock),
      instance_(next_instance.fetch_add(1)) {
  if (secret_.size() < 32) throw std::invalid_argument("JWT secret must be at least 32 bytes");
}

IssuedToken TokenService::issue(std::string_view user_id, std::string_view role, std::string_view session_id) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  JwtPtr jwt(raw);
  const std::int64_t iat = clock_.unix_seconds();
  const std::int64_t exp = iat + ttl_.count();
  const std::string sub(user_id), r(role), sid(session_id), jti = new_uuid_v7();
  if (jwt_add_grant(jwt.get(), "iss", issuer_.c_str()) || jwt_add_grant(jwt.get(), "sub", sub.c_str()) ||
      jwt_add_grant(jwt.get(), "role", r.c_str()) || jwt_add_grant(jwt.get(), "sid", sid.c_str()) ||
      jwt_add_grant(jwt.get(), "jti", jti.c_str()) || jwt_add_grant_int(jwt.get(), "iat", iat) ||
      jwt_add_grant_int(jwt.get(), "exp", exp) ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret_.data()),
                  static_cast<int>(secret_.size()))) {
    throw std::runtime_error("building the JWT failed");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (!encoded) throw std::runtime_error("jwt_encode_str failed");
  std::string token(encoded);
  free(encoded);  // libjwt 1.10 allocates with malloc and has no jwt_free_str
  return {std::move(token), ttl_.count()};
}


Claims TokenService::verify(std::string_view token) const {
  if (token.empty() || token.size() > 4096) throw Error::unauthorized("The access token is malformed");
  const std::string text(token);
  if (const auto it = verified_tokens.find(text); it != verified_tokens.end() && it->second.instance == instance_) {
    if (it->second.exp <= clock_.unix_seconds()) throw Error(ErrorCode::kTokenExpired, "The access token has expired");
    return it->second.claims;
  }
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                            static_cast<int>(secret_.size()));
  JwtPtr jwt(raw);
  if (rc != 0 || !jwt) throw Error::unauthorized("The access token is not valid");
  // Only HS256 with our key is accepted, whatever the header claims ("none" included).
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) throw Error::unauthorized("The access token is not valid");
  const char* iss = jwt_get_grant(jwt.get(), "iss");
  if (!iss || issuer_ != iss) throw Error::unauthorized("The access token is not valid");
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  const char* role = jwt_get_grant(jwt.get(), "role");
  const char* sid = jwt_get_grant(jwt.get(), "sid");
  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (!sub || !role || !sid || errno != 0) throw Error::unauthorized("The access token is not valid");
  // keel issues only UUIDs here; anything else, even correctly signed (a leaked secret, an
  // old or foreign issuer), is refused before it can reach a uuid column or a lookup.
  if (!is_uuid(sub) || !is_uuid(sid)) throw Error::unauthorized("The access token is not valid");
  if (exp <= clock_.unix_seconds()) throw Error(ErrorCode::kTokenExpired, "The access token has expired");
  Claims claims{sub, role, sid, exp};
  if (verified_tokens.size() >= kVerifiedCacheSize) verified_tokens.clear();  // bounded; refills as used
  verified_tokens[text] = VerifiedToken{instance_, exp, claims};
  return claims;
}

}  // namespace keel::auth
