#pragma once

#include <chrono>
#include <string>

#include "core/async.hpp"
#include "core/principal.hpp"
#include "events/event_log.hpp"
#include "mail/mail_courier.hpp"
#include "mail/mail_outbox.hpp"
#include "mail/mail_templates.hpp"
#include "storage/database.hpp"
#include "users/session_revoker.hpp"
#include "users/user.hpp"

namespace keel::users {
class UserStore;
}

namespace keel {
class Clock;
class PasswordHasher;
}  // namespace keel

namespace keel::auth {

class AccountTokens;

struct AccountMailOptions {
  std::chrono::seconds verify_ttl{86400};  // VERIFY_TOKEN_TTL
  std::chrono::seconds reset_ttl{3600};    // RESET_TOKEN_TTL
  std::chrono::seconds throttle{60};       // MAIL_THROTTLE: between two verification mails of one account
};

/// Email verification and password reset by mail: the rules of API.md §11, with no HTTP or SQL
/// in sight. Requests only queue mail (in the outbox, in their own transaction); compose() makes
/// each mail when the courier sends it, with a fresh token whose hash replaces the user's
/// earlier one, so the newest mail's link is the one that works and no token is ever stored.
class AccountMail {
 public:
  AccountMail(users::UserStore& users, users::SessionRevoker& sessions, PasswordHasher& passwords,
              AccountTokens& tokens, mail::MailOutbox& outbox, mail::MailTemplates templates,
              events::EventLog& events, const Clock& clock, AccountMailOptions options);

  /// Inside `tx` (a sign-up's or an email change's): queues a verification mail to the user's
  /// address.
  Task<void> queue_verification(storage::Transaction& tx, const users::User& user);

  /// Queues a verification mail to the caller. Nothing for a verified address; 429 with
  /// Retry-After within MAIL_THROTTLE of the account's last one; 401 when the account is gone.
  Task<void> request_verification(Principal caller);
  /// Marks the address verified (auth.email_verified). Throws 400 on `token` when it is unknown,
  /// used, replaced, expired, or the account's address changed since it was mailed.
  Task<users::User> verify_email(std::string token);
  /// Queues a reset mail for `email` (already normalised), whether or not an account has it: the
  /// request takes the same steps and time either way; the courier finds the account.
  Task<void> forgot_password(std::string email);
  /// Sets the password (auth.password_reset) and revokes every session of the user. Throws 400
  /// on `token` as verify_email does; `password` must meet the rules already.
  Task<void> reset_password(std::string token, std::string password);

  /// Where the links in mail point: PUBLIC_URL, or this server's address once it listens.
  void set_public_url(std::string url) { public_url_ = std::move(url); }
  /// For the courier: the mail an outbox row stands for, or why none is sent.
  Task<mail::Composed> compose(mail::OutboxItem item);

 private:
  Task<mail::Composed> compose_verification(const mail::OutboxItem& item);
  Task<mail::Composed> compose_reset(const mail::OutboxItem& item);
  /// Mail `kind` (a template name) to the user, with `link`, valid for `ttl`.
  mail::MailMessage message(const char* kind, const users::User& user, std::string link, std::chrono::seconds ttl) const;
  /// A fresh token for (user, purpose), stored as its hash; returns the link carrying it.
  Task<std::string> new_link(const users::User& user, std::string purpose, std::chrono::seconds ttl);

  users::UserStore& users_;
  users::SessionRevoker& sessions_;
  PasswordHasher& passwords_;
  AccountTokens& tokens_;
  mail::MailOutbox& outbox_;
  mail::MailTemplates templates_;
  events::EventLog& events_;
  const Clock& clock_;
  AccountMailOptions options_;
  std::string public_url_;
};

}  // namespace keel::auth
