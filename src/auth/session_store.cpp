#include "auth/session_store.hpp"

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::auth {
namespace {

constexpr std::string_view kInsert =
    "INSERT INTO sessions (id, user_id, refresh_hash, previous_hash, rotated_at_ms, expires_at_ms, created_at) "
    "VALUES ($1, $2, $3, NULL, $4, $5, $6)";
// The {} are uuid columns read as text (id, user_id).
constexpr std::string_view kFind =
    "SELECT {}, {}, refresh_hash, previous_hash, rotated_at_ms, expires_at_ms, revoked_at_ms "
    "FROM sessions WHERE id = $1";
constexpr std::string_view kRotate =
    "UPDATE sessions SET previous_hash = refresh_hash, refresh_hash = $3, rotated_at_ms = $4 "
    "WHERE id = $1 AND refresh_hash = $2 AND revoked_at_ms IS NULL";
constexpr std::string_view kRevoke =
    "UPDATE sessions SET revoked_at_ms = $2 WHERE id = $1 AND revoked_at_ms IS NULL";
constexpr std::string_view kRevokedSince = "SELECT {}, revoked_at_ms FROM sessions WHERE revoked_at_ms >= $1";
constexpr std::string_view kLiveOfUser = "SELECT {} FROM sessions WHERE user_id = $1 AND revoked_at_ms IS NULL";

}  // namespace

SessionStore::SessionStore(storage::Database& db)
    : db_(db),
      find_(fmt::format(kFind, db.dialect().uuid_text("id"), db.dialect().uuid_text("user_id"))),
      live_of_user_(fmt::format(kLiveOfUser, db.dialect().uuid_text("id"))),
      revoked_since_(fmt::format(kRevokedSince, db.dialect().uuid_text("id"))) {}

Task<void> SessionStore::create(Session s, std::string created_at) {
  storage::Params params{s.id, s.user_id, s.refresh_hash, s.rotated_at_ms, s.expires_at_ms, std::move(created_at)};
  co_await db_.execute(std::string(kInsert), std::move(params));
}

Task<std::optional<Session>> SessionStore::find(std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;
  storage::Params params{std::move(id)};
  const storage::Result r = co_await db_.query(find_, std::move(params));
  if (r.rows.empty()) co_return std::nullopt;
  const auto& row = r.rows[0];
  Session s;
  s.id = std::get<std::string>(row[0]);
  s.user_id = std::get<std::string>(row[1]);
  s.refresh_hash = std::get<std::string>(row[2]);
  if (const auto* prev = std::get_if<std::string>(&row[3])) s.previous_hash = *prev;
  s.rotated_at_ms = std::get<std::int64_t>(row[4]);
  s.expires_at_ms = std::get<std::int64_t>(row[5]);
  if (const auto* revoked = std::get_if<std::int64_t>(&row[6])) s.revoked_at_ms = *revoked;
  co_return s;
}

Task<bool> SessionStore::rotate(std::string id, std::string old_hash, std::string new_hash, std::int64_t now_ms) {
  storage::Params params{std::move(id), std::move(old_hash), std::move(new_hash), now_ms};
  const storage::Result r = co_await db_.execute(std::string(kRotate), std::move(params));
  co_return r.rows_affected == 1;
}

Task<void> SessionStore::revoke(std::string id, std::int64_t now_ms) {
  storage::Params params{std::move(id), now_ms};
  co_await db_.execute(std::string(kRevoke), std::move(params));
}

Task<std::vector<std::string>> SessionStore::revoke_user(std::string user_id, std::string keep, std::int64_t now_ms) {
  std::vector<std::string> revoked;
  if (!is_uuid(user_id)) co_return revoked;
  storage::Params params{user_id};
  const storage::Result live = co_await db_.query(live_of_user_, std::move(params));
  for (const auto& row : live.rows) {
    std::string id = std::get<std::string>(row[0]);
    if (id == keep) continue;
    co_await revoke(id, now_ms);
    revoked.push_back(std::move(id));
  }
  co_return revoked;
}

Task<std::vector<std::pair<std::string, std::int64_t>>> SessionStore::revoked_since(std::int64_t since_ms) {
  storage::Params params{since_ms};
  const storage::Result r = co_await db_.query(revoked_since_, std::move(params));
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& row : r.rows) out.emplace_back(std::get<std::string>(row[0]), std::get<std::int64_t>(row[1]));
  co_return out;
}

}  // namespace keel::auth
