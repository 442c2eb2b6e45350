#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/async.hpp"
#include "storage/database.hpp"

namespace keel::auth {

/// A verification or reset token as stored: its SHA-256, whose it is, for what, the address it
/// was mailed to, and until when it is good. The token itself is never stored.
struct AccountToken {
  std::string hash;
  std::string user_id;
  std::string purpose;  // "verify-email" or "reset-password"
  std::string email;
  std::int64_t expires_at_ms = 0;
};

/// The account_tokens table (migration 8): one token per user and purpose, the newest.
class AccountTokens {
 public:
  /// Builds its statements in db's dialect.
  explicit AccountTokens(storage::Database& db);

  /// Stores `token`, replacing the user's earlier one of that purpose (which stops working).
  Task<void> replace(AccountToken token);
  /// The stored token with this hash and purpose, if any (expired ones too).
  Task<std::optional<AccountToken>> find(std::string hash, std::string purpose);
  /// Inside `tx`: deletes the token with this hash and purpose and returns it; of two requests
  /// taking one token, one gets it (single use).
  Task<std::optional<AccountToken>> take(storage::Transaction& tx, std::string hash, std::string purpose);

 private:
  storage::Database& db_;
  std::string find_;
  std::string take_;
};

}  // namespace keel::auth
