#include "auth/account_tokens.hpp"

#include <fmt/format.h>

#include "storage/sql_dialect.hpp"

namespace keel::auth {
namespace {

constexpr std::string_view kReplace =
    "INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at_ms) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (user_id, purpose) DO UPDATE SET token_hash = excluded.token_hash, email = excluded.email, "
    "expires_at_ms = excluded.expires_at_ms";
// The {} is user_id read as text.
constexpr std::string_view kFind =
    "SELECT token_hash, {}, purpose, email, expires_at_ms FROM account_tokens WHERE token_hash = $1 AND purpose = $2";
constexpr std::string_view kTake =
    "DELETE FROM account_tokens WHERE token_hash = $1 AND purpose = $2 "
    "RETURNING token_hash, {}, purpose, email, expires_at_ms";

std::optional<AccountToken> token_of(const storage::Result& r) {
  if (r.rows.empty()) return std::nullopt;
  const auto& row = r.rows[0];
  return AccountToken{std::get<std::string>(row[0]), std::get<std::string>(row[1]), std::get<std::string>(row[2]),
                      std::get<std::string>(row[3]), std::get<std::int64_t>(row[4])};
}

}  // namespace

AccountTokens::AccountTokens(storage::Database& db)
    : db_(db),
      find_(fmt::format(kFind, db.dialect().uuid_text("user_id"))),
      take_(fmt::format(kTake, db.dialect().uuid_text("user_id"))) {}

Task<void> AccountTokens::replace(AccountToken t) {
  storage::Params params{std::move(t.hash), std::move(t.user_id), std::move(t.purpose), std::move(t.email), t.expires_at_ms};
  co_await db_.execute(std::string(kReplace), std::move(params));
}

Task<std::optional<AccountToken>> AccountTokens::find(std::string hash, std::string purpose) {
  storage::Params params{std::move(hash), std::move(purpose)};
  co_return token_of(co_await db_.query(find_, std::move(params)));
}

Task<std::optional<AccountToken>> AccountTokens::take(storage::Transaction& tx, std::string hash, std::string purpose) {
  storage::Params params{std::move(hash), std::move(purpose)};
  co_return token_of(co_await tx.execute(take_, std::move(params)));
}

}  // namespace keel::auth
