#include "auth/account_mail.hpp"

#include <cctype>
#include <map>

#include "auth/account_tokens.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/password_hasher.hpp"
#include "users/user_json.hpp"
#include "users/user_store.hpp"

namespace keel::auth {
namespace {

// Outbox kinds, token purposes and template names alike.
constexpr const char* kVerify = "verify-email";
constexpr const char* kReset = "reset-password";

// API.md §11: at most 3 reset mails per account per 15 minutes.
constexpr int kResetMailsPerWindow = 3;
constexpr std::int64_t kResetWindowMs = 15 * 60 * 1000;

// What a token of random_token() looks like: 43 base64url characters.
bool well_formed(const std::string& token) {
  if (token.size() != 43) return false;
  for (unsigned char c : token) {
    if (!std::isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

Error bad_token(const char* why = "is not valid, was used already, or has expired") {
  return Error::validation({{"token", why}});
}

std::int64_t ms(std::chrono::seconds s) { return std::chrono::duration_cast<std::chrono::milliseconds>(s).count(); }

events::Event auth_event(std::string type, const users::User& user) {
  return events::Event{std::move(type), "auth", user.id, user.id, users::user_event_data(user)};
}

}  // namespace

AccountMail::AccountMail(users::UserStore& users, users::SessionRevoker& sessions, PasswordHasher& passwords,
                         AccountTokens& tokens, mail::MailOutbox& outbox, mail::MailTemplates templates,
                         events::EventLog& events, const Clock& clock, AccountMailOptions options)
    : users_(users),
      sessions_(sessions),
      passwords_(passwords),
      tokens_(tokens),
      outbox_(outbox),
      templates_(std::move(templates)),
      events_(events),
      clock_(clock),
      options_(options) {}

Task<void> AccountMail::queue_verification(storage::Transaction& tx, const users::User& user) {
  co_await outbox_.enqueue(tx, kVerify, user.email, user.id, clock_.unix_ms());
}

Task<void> AccountMail::request_verification(Principal caller) {
  const std::int64_t now = clock_.unix_ms();
  co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    // The user's row, locked: two requests at once take turns, and the second sees the first's mail.
    const std::optional<users::User> user = co_await users_.find_for_update(tx, caller.user_id);
    if (!user) throw Error::unauthorized("The account no longer exists");
    if (user->email_verified) co_return;  // nothing to verify: 202, no mail
    if (options_.throttle.count() > 0) {
      const auto last = co_await outbox_.last_requested(tx, kVerify, user->id);
      if (last && now - *last < ms(options_.throttle)) {
        throw Error::rate_limited(std::chrono::milliseconds(ms(options_.throttle) - (now - *last)),
                                  "A verification mail was sent moments ago; try again later");
      }
    }
    co_await queue_verification(tx, *user);
  });
}

Task<users::User> AccountMail::verify_email(std::string token) {
  if (!well_formed(token)) throw bad_token();
  const std::int64_t now = clock_.unix_ms();
  std::optional<users::User> verified;
  co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    // Taken (deleted) first: of two requests with one token, one finds it.
    const std::optional<AccountToken> t = co_await tokens_.take(tx, sha256_hex(token), kVerify);
    if (!t || t->expires_at_ms <= now) throw bad_token();
    const std::optional<users::User> user = co_await users_.find_for_update(tx, t->user_id);
    if (!user || user->email != t->email) throw bad_token("was mailed to an address the account no longer has");
    users::UserChanges changes;
    changes.verified_email = t->email;
    changes.updated_at = format_timestamp(clock_.now());
    co_await users_.update(tx, user->id, std::move(changes));
    verified = co_await users_.find_for_update(tx, user->id);
    co_await events_.record(tx, auth_event("auth.email_verified", *verified));
  });
  co_return std::move(*verified);
}

Task<void> AccountMail::forgot_password(std::string email) {
  const std::int64_t now = clock_.unix_ms();
  co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    co_await outbox_.enqueue(tx, kReset, email, std::nullopt, now);
  });
}

Task<void> AccountMail::reset_password(std::string token, std::string password) {
  if (!well_formed(token)) throw bad_token();
  const std::string hash = sha256_hex(token);
  // Checked before bcrypt, so a bad token costs no hashing; checked again (and taken) below.
  const std::optional<AccountToken> found = co_await tokens_.find(hash, kReset);
  if (!found || found->expires_at_ms <= clock_.unix_ms()) throw bad_token();
  std::string password_hash = co_await passwords_.hash(std::move(password));

  const std::int64_t now = clock_.unix_ms();
  std::vector<std::string> revoked;
  co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    const std::optional<AccountToken> t = co_await tokens_.take(tx, hash, kReset);
    if (!t || t->expires_at_ms <= now) throw bad_token();
    const std::optional<users::User> user = co_await users_.find_for_update(tx, t->user_id);
    // A reset mailed to an address the account no longer has would let that address's owner in.
    if (!user || user->email != t->email) throw bad_token("was mailed to an address the account no longer has");
    users::UserChanges changes;
    changes.password_hash = std::move(password_hash);
    changes.verified_email = t->email;  // the mail reached the address: it is the user's
    changes.updated_at = format_timestamp(clock_.now());
    co_await users_.update(tx, user->id, std::move(changes));
    revoked = co_await sessions_.revoke_user_sessions(tx, user->id, "");
    const std::optional<users::User> updated = co_await users_.find_for_update(tx, user->id);
    co_await events_.record(tx, auth_event("auth.password_reset", *updated));
  });
  sessions_.revoked(std::move(revoked));
}

Task<mail::Composed> AccountMail::compose(mail::OutboxItem item) {
  if (item.kind == kVerify) co_return co_await compose_verification(item);
  if (item.kind == kReset) co_return co_await compose_reset(item);
  co_return mail::Composed{std::nullopt, "unknown kind"};
}

Task<mail::Composed> AccountMail::compose_verification(const mail::OutboxItem& item) {
  std::optional<users::UserRecord> record;
  if (item.user_id) record = co_await users_.find_by_id(*item.user_id);
  if (!record) co_return mail::Composed{std::nullopt, "no account"};
  const users::User& user = record->user;
  // A later change of address mailed the new one; a verified address needs no mail.
  if (user.email != item.address) co_return mail::Composed{std::nullopt, "address changed"};
  if (user.email_verified) co_return mail::Composed{std::nullopt, "already verified"};
  std::string link = co_await new_link(user, kVerify, options_.verify_ttl);
  co_return mail::Composed{message(kVerify, user, std::move(link), options_.verify_ttl), {}};
}

Task<mail::Composed> AccountMail::compose_reset(const mail::OutboxItem& item) {
  std::optional<users::UserRecord> record = co_await users_.find_by_email(item.address);
  if (!record) co_return mail::Composed{std::nullopt, "no account"};
  // Counted from the requests, not the deliveries (API.md §11).
  const std::int64_t earlier = co_await outbox_.let_through_before(item, kResetWindowMs);
  if (earlier >= kResetMailsPerWindow) {
    co_return mail::Composed{std::nullopt, "throttled"};
  }
  const users::User& user = record->user;
  std::string link = co_await new_link(user, kReset, options_.reset_ttl);
  co_return mail::Composed{message(kReset, user, std::move(link), options_.reset_ttl), {}};
}

mail::MailMessage AccountMail::message(const char* kind, const users::User& user, std::string link,
                                      std::chrono::seconds ttl) const {
  return templates_.render(kind, user.email,
                           {{"link", std::move(link)},
                            {"name", user.name},
                            {"email", user.email},
                            {"expires", mail::describe_duration(ttl.count())}});
}

Task<std::string> AccountMail::new_link(const users::User& user, std::string purpose, std::chrono::seconds ttl) {
  std::string token = random_token();
  std::string link = public_url_;
  link += '/';
  link += purpose;
  link += "?token=";
  link += token;
  // A named value, not a braced temporary in the co_await: g++ 12 destroys such temporaries twice.
  AccountToken stored{sha256_hex(token), user.id, std::move(purpose), user.email, clock_.unix_ms() + ms(ttl)};
  co_await tokens_.replace(std::move(stored));
  co_return link;
}

}  // namespace keel::auth
