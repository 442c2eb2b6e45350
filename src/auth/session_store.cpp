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
// Revocations are also recorded apart from the sessions, in a table no user owns: a deleted
// user's sessions are deleted with the user, their revocation is not (finding 8 of issue 12).
constexpr std::string_view kRecord =
    "INSERT INTO session_revocations (session_id, revoked_at_ms) VALUES ($1, $2) "
    "ON CONFLICT (session_id) DO NOTHING";
// The {} are the session id as text, compared with the session to keep ('' for none). The cast
// tells PostgreSQL the type of a parameter it would otherwise take for text.
constexpr std::string_view kLiveOfUser =
    "SELECT {0} FROM sessions WHERE user_id = $1 AND revoked_at_ms IS NULL AND {0} <> $2";
constexpr std::string_view kRecordOfUser =
    "INSERT INTO session_revocations (session_id, revoked_at_ms) "
    "SELECT id, CAST($2 AS BIGINT) FROM sessions WHERE user_id = $1 AND revoked_at_ms IS NULL AND {} <> $3 "
    "ON CONFLICT (session_id) DO NOTHING";
constexpr std::string_view kRevokeOfUser =
    "UPDATE sessions SET revoked_at_ms = $2 WHERE user_id = $1 AND revoked_at_ms IS NULL AND {} <> $3";
constexpr std::string_view kRevokedSince =
    "SELECT {}, revoked_at_ms FROM session_revocations WHERE revoked_at_ms >= $1";
constexpr std::string_view kForgetBefore = "DELETE FROM session_revocations WHERE revoked_at_ms < $1";

}  // namespace

SessionStore::SessionStore(storage::Database& db)
    : db_(db),
      find_(fmt::format(kFind, db.dialect().uuid_text("id"), db.dialect().uuid_text("user_id"))),
      live_of_user_(fmt::format(kLiveOfUser, db.dialect().uuid_text("id"))),
      record_of_user_(fmt::format(kRecordOfUser, db.dialect().uuid_text("id"))),
      revoke_of_user_(fmt::format(kRevokeOfUser, db.dialect().uuid_text("id"))),
      revoked_since_(fmt::format(kRevokedSince, db.dialect().uuid_text("session_id"))) {}

Task<void> SessionStore::create(storage::Transaction& tx, Session s, std::string created_at) {
  storage::Params params{s.id, s.user_id, s.refresh_hash, s.rotated_at_ms, s.expires_at_ms, std::move(created_at)};
  co_await tx.execute(std::string(kInsert), std::move(params));
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

Task<bool> SessionStore::revoke(storage::Transaction& tx, std::string id, std::int64_t now_ms) {
  if (!is_uuid(id)) co_return false;
  storage::Params session{id, now_ms};
  const storage::Result r = co_await tx.execute(std::string(kRevoke), std::move(session));
  storage::Params record{id, now_ms};
  co_await tx.execute(std::string(kRecord), std::move(record));
  co_return r.rows_affected == 1;
}

Task<std::vector<std::string>> SessionStore::revoke_user(storage::Transaction& tx, std::string user_id,
                                                         std::string keep, std::int64_t now_ms) {
  std::vector<std::string> revoked;
  if (!is_uuid(user_id)) co_return revoked;
  storage::Params live_params{user_id, keep};
  const storage::Result live = co_await tx.execute(live_of_user_, std::move(live_params));
  if (live.rows.empty()) co_return revoked;
  storage::Params record{user_id, now_ms, keep};
  co_await tx.execute(record_of_user_, std::move(record));
  storage::Params revoke{user_id, now_ms, keep};
  co_await tx.execute(revoke_of_user_, std::move(revoke));
  for (const auto& row : live.rows) revoked.push_back(std::get<std::string>(row[0]));
  co_return revoked;
}

Task<std::vector<std::pair<std::string, std::int64_t>>> SessionStore::revoked_since(std::int64_t since_ms) {
  storage::Params params{since_ms};
  const storage::Result r = co_await db_.query(revoked_since_, std::move(params));
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& row : r.rows) out.emplace_back(std::get<std::string>(row[0]), std::get<std::int64_t>(row[1]));
  co_return out;
}

Task<void> SessionStore::forget_revocations_before(std::int64_t before_ms) {
  storage::Params params{before_ms};
  co_await db_.execute(std::string(kForgetBefore), std::move(params));
}

}  // namespace keel::auth
