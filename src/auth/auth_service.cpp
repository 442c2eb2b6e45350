#include "auth/auth_service.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "core/password_hasher.hpp"
#include "core/counters.hpp"
#include "auth/account_mail.hpp"
#include "auth/revocations.hpp"
#include "auth/session_store.hpp"
#include "auth/token_service.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "users/user_json.hpp"
#include "users/user_store.hpp"

namespace keel::auth {
namespace {

// A replaced refresh token may still be a descendant of an older one presented by a thief;
// walking this many steps down the chain is enough to recognise any realistic reuse.
constexpr int kChainSearch = 64;


std::string random_secret() { return random_token(); }

// The token that replaces `secret`: unpredictable without the key, and reproducible with it.
std::string next_secret(const std::string& key, const std::string& secret) {
  return base64url_encode(hmac_sha256(key, secret));
}

// What the database keeps of a refresh token: the hex SHA-256 of its secret part.
std::string token_hash(const std::string& secret) { return sha256_hex(secret); }

Error invalid_refresh() { return Error::unauthorized("The refresh token is not valid"); }

constexpr auto kLoginFailureWindow = std::chrono::minutes(15);
constexpr std::size_t kBcryptMaxBytes = 72;


}  // namespace

AuthService::AuthService(users::UserStore& users, SessionStore& sessions, PasswordHasher& passwords,
                         TokenService& tokens, Revocations& revocations, Counters& counters, AuthOptions options,
                         const Clock& clock, events::EventLog& events, AccountMail& account_mail)
    : users_(users),
      sessions_(sessions),
      passwords_(passwords),
      tokens_(tokens),
      revocations_(revocations),
      counters_(counters),
      options_(std::move(options)),
      clock_(clock),
      events_(events),
      account_mail_(account_mail) {}

Task<void> AuthService::limit_address(std::string address) {
  if (options_.rate_limit_per_minute <= 0) co_return;
  std::string key = "auth:" + address;
  const Counters::Hit hit = co_await counters_.hit(std::move(key), std::chrono::minutes(1));
  if (hit.count > options_.rate_limit_per_minute) throw Error::rate_limited(hit.left);
}

Task<TokenResponse> AuthService::register_user(users::NewUser input) {
  std::string hash = co_await passwords_.hash(std::move(input.password));
  const std::string now = format_timestamp(clock_.now());
  users::User user{new_uuid_v7(), std::move(input.email), std::move(input.name), "user", now, now};
  co_return co_await open_session(std::move(user), std::move(hash));
}

Task<TokenResponse> AuthService::login(std::string email, std::string password, std::string address) {
  // Each attempt takes its place in the count before the password is checked, in one atomic
  // step: parallel guesses can't all pass a check made before any of them failed. A success
  // clears the count; a failure leaves its place taken.
  const std::string failures_key = "login:" + email + "|" + address;
  const Counters::Hit attempts = co_await counters_.hit(failures_key, kLoginFailureWindow);
  if (attempts.count > options_.login_max_failures) throw Error::rate_limited(attempts.left);  // no bcrypt spent

  auto record = co_await users_.find_by_email(std::move(email));
  // An unknown email still costs one bcrypt verification, so timing tells nothing. A password
  // over bcrypt's 72 bytes never matches (bcrypt would compare only its first 72).
  // Built before co_await: g++ 12 destroys a conditional's temporary twice inside co_await.
  const bool too_long = password.size() > kBcryptMaxBytes;
  std::string hash = record && !too_long ? record->password_hash : std::string();
  const bool ok = co_await passwords_.verify(std::move(password), std::move(hash));
  if (!record || !ok || too_long) {
    throw Error(ErrorCode::kInvalidCredentials, "The email or password is not correct");
  }
  co_await counters_.reset(failures_key);
  // After the password: only the account's owner learns that it waits for verification.
  if (options_.require_verified_email && !record->user.email_verified) {
    throw Error(ErrorCode::kForbidden, "Verify your email address before signing in", {{"email", "not verified"}});
  }
  co_return co_await open_session(std::move(record->user), std::nullopt);
}

Task<TokenResponse> AuthService::open_session(users::User user, std::optional<std::string> new_user_hash) {
  const std::string secret = random_secret();
  const std::int64_t now = clock_.unix_ms();
  Session session{new_uuid_v7(), user.id, token_hash(secret), {}, now,
                  now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.refresh_ttl).count(), {}};
  const std::string session_id = session.id;
  // The account (on sign-up), the session and the event commit together: one change, one event.
  co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    const bool registering = new_user_hash.has_value();
    if (registering) {
      co_await users_.create(tx, user, std::move(*new_user_hash));
      co_await account_mail_.queue_verification(tx, user);  // API.md §11: sign-up mails a link
    }
    co_await sessions_.create(tx, std::move(session), format_timestamp(clock_.now()));
    events::Event event{registering ? "auth.registered" : "auth.logged_in", "auth", user.id, user.id,
                        users::user_event_data(user)};
    co_await events_.record(tx, std::move(event));
  });
  IssuedToken access = tokens_.issue(user.id, user.role, session_id);
  co_return TokenResponse{std::move(user), std::move(access.token), session_id + "." + secret, access.expires_in};
}

Task<TokenResponse> AuthService::answer(std::string user_id, std::string session_id, std::string secret) {
  auto record = co_await users_.find_by_id(user_id);
  if (!record) throw invalid_refresh();
  IssuedToken access = tokens_.issue(record->user.id, record->user.role, session_id);
  co_return TokenResponse{std::move(record->user), std::move(access.token), session_id + "." + secret,
                          access.expires_in};
}

Task<void> AuthService::revoke(std::string session_id, std::string user_id, std::string event_type,
                               std::optional<std::string> actor) {
  const std::int64_t now = clock_.unix_ms();
  co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    // The user's row before the session's, the order a user's update or deletion takes them
    // in (then revokes the sessions): two such transactions wait for each other, never deadlock.
    const std::optional<users::User> user = co_await users_.find_for_update(tx, user_id);
    if (!co_await sessions_.revoke(tx, session_id, now)) co_return;
    if (user) {  // a deleted user's sessions were revoked with it: there is always one here
      events::Event event{std::move(event_type), "auth", user->id, std::move(actor), users::user_event_data(*user)};
      co_await events_.record(tx, std::move(event));
    }
  });
  revocations_.add(std::move(session_id), now);
}

Task<TokenResponse> AuthService::refresh(std::string refresh_token) {
  const auto dot = refresh_token.find('.');
  if (dot == std::string::npos) throw invalid_refresh();
  const std::string session_id = refresh_token.substr(0, dot);
  const std::string secret = refresh_token.substr(dot + 1);
  if (!is_uuid(session_id) || secret.size() != 43) throw invalid_refresh();

  auto session = co_await sessions_.find(session_id);
  const std::int64_t now = clock_.unix_ms();
  if (!session || session->revoked_at_ms || session->expires_at_ms <= now) throw invalid_refresh();

  const std::string presented = token_hash(secret);
  const std::string successor = next_secret(options_.refresh_key, secret);
  if (constant_time_equal(presented, session->refresh_hash)) {
    // The current token: rotate. If a concurrent refresh won, this one is a replaced token now.
    if (co_await sessions_.rotate(session_id, presented, token_hash(successor), now)) {
      co_return co_await answer(session->user_id, session_id, successor);
    }
    session = co_await sessions_.find(session_id);
    if (!session || session->revoked_at_ms) throw invalid_refresh();
  }
  if (constant_time_equal(presented, session->previous_hash)) {
    const auto grace_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.reuse_interval).count();
    if (grace_ms > 0 && now - session->rotated_at_ms <= grace_ms && constant_time_equal(token_hash(successor), session->refresh_hash)) {
      co_return co_await answer(session->user_id, session_id, successor);  // two tabs at once
    }
    // Reuse after the grace: treated as theft. Nobody known acted: actorId is null.
    co_await revoke(session_id, session->user_id, "auth.session_revoked", std::nullopt);
    throw invalid_refresh();
  }
  // An older token of this session's chain is theft too; anything else is just invalid.
  std::string step = successor;
  for (int i = 0; i < kChainSearch; ++i) {
    const std::string h = token_hash(step);
    if (constant_time_equal(h, session->previous_hash) || constant_time_equal(h, session->refresh_hash)) {
      co_await revoke(session_id, session->user_id, "auth.session_revoked", std::nullopt);
      break;
    }
    step = next_secret(options_.refresh_key, step);
  }
  throw invalid_refresh();
}

Task<void> AuthService::logout(Principal principal) {
  std::string user_id = principal.user_id;
  co_await revoke(std::move(principal.session_id), user_id, "auth.logged_out", user_id);
}

Task<users::User> AuthService::me(Principal principal) {
  auto record = co_await users_.find_by_id(std::move(principal.user_id));
  if (!record) throw Error::unauthorized("The account no longer exists");
  co_return std::move(record->user);
}

}  // namespace keel::auth
