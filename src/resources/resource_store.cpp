#include "resources/resource_store.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::resources {
namespace {

constexpr std::string_view kFind = "SELECT {} FROM {} WHERE id = $1";
constexpr std::string_view kOwner = "SELECT {} FROM {} WHERE id = $1{}";
constexpr std::string_view kInsert = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}";
constexpr std::string_view kUpdate = "UPDATE {} SET {} WHERE id = $1 RETURNING {}";
constexpr std::string_view kDelete = "DELETE FROM {} WHERE id = $1";
constexpr std::string_view kFindMany = "SELECT {} FROM {} WHERE id IN ({})";
constexpr std::string_view kReferencing = "SELECT {} FROM {} WHERE {} IN ({}){}";
constexpr std::string_view kOwned = "SELECT {} FROM {} WHERE owner_id = $1{}";
// Id lists are padded (repeating an id) to 1, 4, 16, 64 or 256 values, so a connection prepares
// at most five texts of each such statement instead of one per list length.
constexpr std::size_t kIdsPerStatement = 256;
std::size_t padded_count(std::size_t n) {
  std::size_t size = 1;
  while (size < n) size *= 4;
  return size;
}

}  // namespace

ResourceStore::ResourceStore(storage::Database& db, const Model& model) : db_(db) {
  const storage::SqlDialect& d = db.dialect();
  for (const Resource& r : model.resources()) {
    Statements s;
    s.find = fmt::format(kFind, r.select_list, r.table);
    s.lock = s.find + std::string(d.for_update());
    // The referenced record can't go before the referencing write commits.
    s.owner = fmt::format(kOwner, d.uuid_text("owner_id"), r.table, d.for_share());
    std::string columns = "id";
    std::string values = "$1";
    std::size_t placeholder = 1;
    for (const FieldDecl& f : r.decl.fields) {
      columns += ", " + quoted(f.name);
      values += ", $" + std::to_string(++placeholder);
    }
    for (const char* c : {"owner_id", "created_at", "updated_at"}) {
      columns += std::string(", ") + c;
      values += ", $" + std::to_string(++placeholder);
    }
    s.insert = fmt::format(kInsert, r.table, columns, values, r.select_list);
    s.remove = fmt::format(kDelete, r.table);
    s.owned = fmt::format(kOwned, r.select_list, r.table, d.for_update());
    statements_.emplace(&r, std::move(s));
  }
}

Task<std::optional<Row>> ResourceStore::find(const Resource& r, std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;
  storage::Params params{std::move(id)};
  storage::Result result = co_await db_.query(statements(r).find, std::move(params));
  if (result.rows.empty()) co_return std::nullopt;
  co_return std::move(result.rows[0]);
}

Task<bool> ResourceStore::user_exists(std::string user_id) {
  static constexpr const char* kUserExists = "SELECT 1 FROM users WHERE id = $1";
  if (!is_uuid(user_id)) co_return false;
  storage::Params params{std::move(user_id)};
  co_return !(co_await db_.query(kUserExists, std::move(params))).rows.empty();
}

Task<std::optional<Row>> ResourceStore::find_for_update(storage::Transaction& tx, const Resource& r, std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;
  storage::Params params{std::move(id)};
  storage::Result result = co_await tx.execute(statements(r).lock, std::move(params));
  if (result.rows.empty()) co_return std::nullopt;
  co_return std::move(result.rows[0]);
}

Task<std::optional<std::string>> ResourceStore::owner_of(storage::Transaction& tx, const Resource& r, std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;
  storage::Params params{std::move(id)};
  const storage::Result result = co_await tx.execute(statements(r).owner, std::move(params));
  if (result.rows.empty()) co_return std::nullopt;
  const auto* owner = std::get_if<std::string>(&result.rows[0][0]);
  co_return owner ? *owner : std::string();
}

Task<Row> ResourceStore::insert(storage::Transaction& tx, const Resource& r, std::vector<storage::Value> values,
                                std::optional<std::string> owner) {
  storage::Params params;
  params.reserve(values.size() + 4);
  params.emplace_back(new_uuid_v7());
  for (auto& v : values) params.push_back(std::move(v));
  const std::string now = now_timestamp();
  params.push_back(owner ? storage::Value(std::move(*owner)) : storage::Value(nullptr));
  params.emplace_back(now);
  params.emplace_back(now);
  storage::Result result = co_await tx.execute(statements(r).insert, std::move(params));
  co_return std::move(result.rows.at(0));
}

Task<Row> ResourceStore::update(storage::Transaction& tx, const Resource& r, std::string id,
                                const FieldValues& changes) {
  storage::Params params{std::move(id), now_timestamp()};
  std::string sets = "updated_at = $2";
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (!changes[i]) continue;
    params.push_back(*changes[i]);
    sets += fmt::format(", {} = ${}", quoted(r.decl.fields[i].name), params.size());
  }
  std::string sql = fmt::format(kUpdate, r.table, sets, r.select_list);
  storage::Result result = co_await tx.execute(std::move(sql), std::move(params));
  co_return std::move(result.rows.at(0));
}

Task<void> ResourceStore::remove(storage::Transaction& tx, const Resource& r, std::string id) {
  storage::Params params{std::move(id)};
  co_await tx.execute(statements(r).remove, std::move(params));
}

Task<std::vector<Row>> ResourceStore::referencing(storage::Transaction& tx, const Resource& r, std::size_t field,
                                                  std::vector<std::string> ids) {
  std::vector<Row> rows;
  for (std::size_t first = 0; first < ids.size(); first += kIdsPerStatement) {
    const std::size_t n = std::min(kIdsPerStatement, ids.size() - first);
    storage::Params params;
    std::string list;
    for (std::size_t i = 0; i < padded_count(n); ++i) {
      params.emplace_back(i < n ? ids[first + i] : ids[first]);
      list += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
    }
    std::string sql = fmt::format(kReferencing, r.select_list, r.table, quoted(r.decl.fields[field].name), list,
                                  db_.dialect().for_update());
    storage::Result result = co_await tx.execute(std::move(sql), std::move(params));
    for (auto& row : result.rows) rows.push_back(std::move(row));
  }
  co_return rows;
}

Task<std::vector<Row>> ResourceStore::owned_by(storage::Transaction& tx, const Resource& r, std::string user_id) {
  storage::Params params{std::move(user_id)};
  storage::Result result = co_await tx.execute(statements(r).owned, std::move(params));
  co_return std::move(result.rows);
}

Task<std::vector<Row>> ResourceStore::find_many(const Resource& r, std::vector<std::string> ids,
                                                std::optional<std::string> owner) {
  storage::Params params;
  std::string list;
  for (auto& id : ids) {
    if (!is_uuid(id)) continue;
    params.emplace_back(std::move(id));
    list += (list.empty() ? "$" : ", $") + std::to_string(params.size());
  }
  if (params.empty()) co_return std::vector<Row>{};
  std::string sql = fmt::format(kFindMany, r.select_list, r.table, list);
  if (owner) {
    params.emplace_back(std::move(*owner));
    sql += fmt::format(" AND owner_id = ${}", params.size());
  }
  storage::Result result = co_await db_.query(std::move(sql), std::move(params));
  co_return std::move(result.rows);
}

}  // namespace keel::resources
