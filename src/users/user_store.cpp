#include "users/user_store.hpp"

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::users {
namespace {

// The timestamps in the API's text, whatever the column type. The uuid id comes back as text
// as it is: a cast here would also make a list's `ORDER BY id` sort by that text (output names
// win there), which no index serves.
constexpr std::string_view kColumns = "id, email, name, role, {}, {}, password_hash";
constexpr std::string_view kSelectWhere = "SELECT {} FROM users WHERE {}";
constexpr std::string_view kInsert =
    "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7)";

User user_of(const std::vector<storage::Value>& row) {
  auto text = [&](std::size_t i) { return std::get<std::string>(row[i]); };
  return User{text(0), text(1), text(2), text(3), text(4), text(5)};
}

constexpr std::string_view kCountAdmins = "SELECT count(*) FROM users WHERE role = 'admin'";
constexpr std::string_view kUpdate =
    "UPDATE users SET email = $2, name = $3, role = $4, updated_at = $5 WHERE id = $1";
constexpr std::string_view kUpdateWithHash =
    "UPDATE users SET email = $2, name = $3, role = $4, updated_at = $5, password_hash = $6 WHERE id = $1";
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
      find_by_id_(fmt::format(kSelectWhere, columns_, "id = $1")) {}

Task<void> UserStore::create(User user, std::string password_hash) {
  storage::Params params{user.id, user.email, user.name, user.role, std::move(password_hash), user.created_at,
                         user.updated_at};
  co_await db_.execute(std::string(kInsert), std::move(params));
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
                                                                const lists::CursorCodec& cursors) {
  lists::Source source{"users", columns_, {}, {}};
  lists::Page page = co_await lists::fetch_page(db_, std::move(source), q, cursors);
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
       {"updatedAt", "updated_at", lists::Kind::kDatetime, {}, false, 5}}};
  return kCatalog;
}

Task<bool> UserStore::update(User user, std::optional<std::string> password_hash) {
  storage::Params params{user.id, user.email, user.name, user.role, user.updated_at};
  std::string sql(kUpdate);
  if (password_hash) {
    params.emplace_back(std::move(*password_hash));
    sql = kUpdateWithHash;
  }
  const storage::Result r = co_await db_.execute(std::move(sql), std::move(params));
  co_return r.rows_affected == 1;
}

Task<bool> UserStore::remove(std::string id) {
  if (!is_uuid(id)) co_return false;
  storage::Params params{std::move(id)};
  const storage::Result r = co_await db_.execute(std::string(kDelete), std::move(params));
  co_return r.rows_affected == 1;
}

Task<std::int64_t> UserStore::count_admins() {
  const storage::Result r = co_await db_.query(std::string(kCountAdmins));
  co_return std::get<std::int64_t>(r.rows[0][0]);
}

}  // namespace keel::users
