#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/async.hpp"
#include "core/principal.hpp"
#include "events/event_log.hpp"
#include "users/user.hpp"
#include "users/user_service.hpp"

namespace keel::users {
class UserStore;
}

namespace keel {
class Clock;
class Counters;
class PasswordHasher;
}  // namespace keel

namespace keel::auth {

class AccountMail;
class TokenService;
class SessionStore;
class Revocations;

/// What register, login and refresh answer (API.md §3).
struct TokenResponse {
  users::User user;
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_in = 0;
};


struct AuthOptions {
  /// register/login/refresh requests per minute per client address; 0 turns it off.
  int rate_limit_per_minute = 60;
  /// Failed logins for one email from one address in 15 minutes before further tries get 429.
  int login_max_failures = 10;
  std::chrono::seconds refresh_ttl{30 * 24 * 3600};
  std::chrono::seconds reuse_interval{10};
  /// Key of the refresh-token chain (derived from JWT_SECRET): each refresh token is the HMAC
  /// of the one it replaces, so a replaced token presented again can be answered with the
  /// current one without ever storing a token.
  std::string refresh_key;
  /// REQUIRE_VERIFIED_EMAIL: login of an account whose address is not verified is 403.
  bool require_verified_email = false;
};

/// Sign-up, sign-in and sessions: the rules of API.md §3, with no HTTP or SQL in sight.
class AuthService {
 public:
  /// Sign-ups, sign-ins, sign-outs and revocations by reuse record their events (API.md §9) in
  /// `events`, in the transaction of the change; a sign-up queues its verification mail with
  /// `account_mail` in that transaction too.
  AuthService(users::UserStore& users, SessionStore& sessions, PasswordHasher& passwords, TokenService& tokens,
              Revocations& revocations, Counters& counters, AuthOptions options, const Clock& clock,
              events::EventLog& events, AccountMail& account_mail);

  /// Counts one register/login/refresh from `address`; throws 429 RATE_LIMITED (with
  /// Retry-After) past RATE_LIMIT_AUTH per minute.
  Task<void> limit_address(std::string address);

  /// Creates a user with role "user" and signs them in. Throws Error::conflict("email").
  Task<TokenResponse> register_user(users::NewUser input);
  /// Throws INVALID_CREDENTIALS for an unknown email or a wrong password alike.
  /// After LOGIN_MAX_FAILURES failures for the email from `address` in 15 minutes, throws 429
  /// without checking the password; a success resets the count. With REQUIRE_VERIFIED_EMAIL, the
  /// right password of an unverified account is 403 with details {"email": "not verified"}.
  Task<TokenResponse> login(std::string email, std::string password, std::string address);
  /// Rotates the session's refresh token, with reuse detection (API.md §3). Throws 401.
  Task<TokenResponse> refresh(std::string refresh_token);
  /// Revokes the caller's session: its refresh token and every access token with its sid.
  Task<void> logout(Principal principal);
  /// The caller's user. Throws 401 when the user no longer exists.
  Task<users::User> me(Principal principal);

 private:
  /// A new session for `user`; with `new_user_hash`, the user is created in the same
  /// transaction (a sign-up: auth.registered, else auth.logged_in).
  Task<TokenResponse> open_session(users::User user, std::optional<std::string> new_user_hash);
  Task<TokenResponse> answer(std::string user_id, std::string session_id, std::string secret);
  /// Revokes the session and records `event_type` for its user, once (a second revocation of
  /// the same session changes nothing and records nothing).
  Task<void> revoke(std::string session_id, std::string user_id, std::string event_type,
                    std::optional<std::string> actor);

  users::UserStore& users_;
  SessionStore& sessions_;
  PasswordHasher& passwords_;
  TokenService& tokens_;
  Revocations& revocations_;
  Counters& counters_;
  AuthOptions options_;
  const Clock& clock_;
  events::EventLog& events_;
  AccountMail& account_mail_;
};

}  // namespace keel::auth
