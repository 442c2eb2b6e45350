#include "users/user_store.hpp"

#include "core/ids.hpp"

namespace keel::users {
namespace {

// SQLite keeps RFC 3339 text; PostgreSQL has timestamptz and formats it back the same way.
constexpr std::string_view kColumnsSqlite = "id, email, name, role, created_at, updated_at, password_hash";
constexpr std::string_view kColumnsPostgres =
    "id::text, email, name, role, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), password_hash";
constexpr std::string_view kInsert =
    "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";

std::string select_where(const storage::Database& db, std::string_view where) {
  const std::string_view cols = db.dialect() == storage::Dialect::kPostgres ? kColumnsPostgres : kColumnsSqlite;
  return "SELECT " + std::string(cols) + " FROM users WHERE " + std::string(where);
}

std::optional<UserRecord> first_record(const storage::Result& r) {
  if (r.rows.empty()) return std::nullopt;
  const auto& row = r.rows[0];
  auto text = [&](std::size_t i) { return std::get<std::string>(row[i]); };
  return UserRecord{{text(0), text(1), text(2), text(3), text(4), text(5)}, text(6)};
}

}  // namespace

Task<void> UserStore::create(User user, std::string password_hash) {
  storage::Params params{user.id, user.email, user.name, user.role, std::move(password_hash), user.created_at,
                         user.updated_at};
  co_await db_.execute(std::string(kInsert), std::move(params));
}

Task<std::optional<UserRecord>> UserStore::find_by_email(std::string email) {
  storage::Params params{std::move(email)};
  const storage::Result r = co_await db_.query(select_where(db_, "email = $1"), std::move(params));
  co_return first_record(r);
}

Task<std::optional<UserRecord>> UserStore::find_by_id(std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;  // PostgreSQL would refuse the cast; it is simply absent
  storage::Params params{std::move(id)};
  const storage::Result r = co_await db_.query(select_where(db_, "id = $1"), std::move(params));
  co_return first_record(r);
}

}  // namespace keel::users
