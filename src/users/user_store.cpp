#include "users/user_store.hpp"

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::users {
namespace {

// The timestamps in the API's text, whatever the column type. The uuid id comes back as text
// as it is: a cast here would also make a list's `ORDER BY id` sort by that text (output names
// win there), which no index serves.
constexpr std::string_view kColumns = "id, email, name, role, {}, {}, password_hash, email_verified";
constexpr std::string_view kSelectWhere = "SELECT {} FROM users WHERE {}";
constexpr std::string_view kInsert =
    "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at, email_verified) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8 = 1)";

User user_of(const std::vector<storage::Value>& row) {
  auto text = [&](std::size_t i) { return std::get<std::string>(row[i]); };
  return User{text(0), text(1), text(2), text(3), text(4), text(5), std::get<std::int64_t>(row[7]) != 0};
}

// Ordered, so that transactions locking them take the locks in the same order. The {} is the id
// as text, then the dialect's row lock.
constexpr std::string_view kLockAdmins = "SELECT {} AS admin_id FROM users WHERE role = 'admin' ORDER BY id{}";
// An update sets only the columns it names (then updated_at, then WHERE id = $1).
constexpr std::string_view kUpdate = "UPDATE users SET ";
constexpr std::string_view kUpdateEnd = "updated_at = ${} WHERE id = $1";
constexpr std::string_view kDelete = "DELETE FROM users WHERE id = $1";

std::optional<UserRecord> first_record(const storage::Result& r) {
  if (r.rows.empty()) return std::nullopt;
  return UserRecord{user_of(r.rows[0]), std::get<std::string>(r.rows[0][6])};
}

}  // namespace

UserStore::UserStore(storage::Database& db)
    : db_(db),
      columns_(fmt::format(kColumns, db.dialect().timestamp_text("created_at"),
                           db.dialect().timestamp_text("updated_at"))),
      find_by_email_(fmt::format(kSelectWhere, columns_, "email = $1")),
      find_by_id_(fmt::format(kSelectWhere, columns_, "id = $1")),
      find_for_update_(find_by_id_ + std::string(db.dialect().for_update())),
      lock_admins_(fmt::format(kLockAdmins, db.dialect().uuid_text("id"), db.dialect().for_update())) {}

Task<void> UserStore::create(storage::Transaction& tx, User user, std::string password_hash) {
  storage::Params params{user.id,           user.email,      user.name,
                         user.role,         std::move(password_hash), user.created_at,
                         user.updated_at,   std::int64_t{user.email_verified ? 1 : 0}};
  co_await tx.execute(std::string(kInsert), std::move(params));
}

Task<std::optional<UserRecord>> UserStore::find_by_email(std::string email) {
  storage::Params params{std::move(email)};
  const storage::Result r = co_await db_.query(find_by_email_, std::move(params));
  co_return first_record(r);
}

Task<std::optional<UserRecord>> UserStore::find_by_id(std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;  // PostgreSQL would refuse the cast; it is simply absent
  storage::Params params{std::move(id)};
  const storage::Result r = co_await db_.query(find_by_id_, std::move(params));
  co_return first_record(r);
}

}  // namespace keel::users

namespace keel::users {

Task<std::pair<std::vector<User>, lists::Page>> UserStore::list(const lists::ListQuery& q,
                                                                const lists::CursorCodec& cursors,
                                                                lists::CountCache* totals) {
  lists::Source source{"users", columns_, {}, {}};
  lists::Page page = co_await lists::fetch_page(db_, std::move(source), q, cursors, totals);
  std::vector<User> users;
  users.reserve(page.rows.size());
  for (const auto& row : page.rows) users.push_back(user_of(row));
  co_return std::pair{std::move(users), std::move(page)};
}

const lists::Catalog& users_catalog() {
  // Row positions follow kColumns.
  static const lists::Catalog kCatalog{
      "users",
      {{"id", "id", lists::Kind::kUuid, {}, false, 0},
       {"email", "email", lists::Kind::kText, {}, false, 1},
       {"name", "name", lists::Kind::kText, {}, false, 2},
       {"role", "role", lists::Kind::kText, {}, false, 3},
       {"createdAt", "created_at", lists::Kind::kDatetime, {}, false, 4},
       {"updatedAt", "updated_at", lists::Kind::kDatetime, {}, false, 5},
       {"emailVerified", "email_verified", lists::Kind::kBoolean, {}, false, 7}}};
  return kCatalog;
}

Task<std::vector<std::string>> UserStore::lock_admins(storage::Transaction& tx) {
  const storage::Result r = co_await tx.execute(lock_admins_);
  std::vector<std::string> ids;
  ids.reserve(r.rows.size());
  for (const auto& row : r.rows) ids.push_back(std::get<std::string>(row[0]));
  co_return ids;
}

Task<std::optional<User>> UserStore::find_for_update(storage::Transaction& tx, std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;
  storage::Params params{std::move(id)};
  const storage::Result r = co_await tx.execute(find_for_update_, std::move(params));
  if (r.rows.empty()) co_return std::nullopt;
  co_return user_of(r.rows[0]);
}

Task<bool> UserStore::update(storage::Transaction& tx, std::string id, UserChanges changes) {
  if (!is_uuid(id)) co_return false;
  storage::Params params{std::move(id)};
  std::string sql(kUpdate);
  auto set = [&](std::string_view column, std::optional<std::string>& value) {
    if (!value) return;
    params.emplace_back(std::move(*value));
    sql += fmt::format("{} = ${}, ", column, params.size());
  };
  if (changes.email) {
    // A new address is not verified (API.md §11); the same one keeps its state. The right-hand
    // sides read the row as it was.
    params.emplace_back(*changes.email);
    sql += fmt::format("email_verified = CASE WHEN email = ${} THEN email_verified ELSE 1 = 0 END, ", params.size());
  }
  if (changes.verified_email) {
    params.emplace_back(std::move(*changes.verified_email));
    sql += fmt::format("email_verified = CASE WHEN email = ${} THEN 1 = 1 ELSE email_verified END, ", params.size());
  }
  set("email", changes.email);
  set("name", changes.name);
  set("role", changes.role);
  set("password_hash", changes.password_hash);
  params.emplace_back(std::move(changes.updated_at));
  sql += fmt::format(kUpdateEnd, params.size());
  const storage::Result r = co_await tx.execute(std::move(sql), std::move(params));
  co_return r.rows_affected == 1;
}

Task<bool> UserStore::remove(storage::Transaction& tx, std::string id) {
  if (!is_uuid(id)) co_return false;
  storage::Params params{std::move(id)};
  const storage::Result r = co_await tx.execute(std::string(kDelete), std::move(params));
  co_return r.rows_affected == 1;
}

}  // namespace keel::users
