#include "resources/resource_store.hpp"

#include <fmt/format.h>

#include "core/ids.hpp"

namespace keel::resources {
Task<std::optional<Row>> ResourceStore::find(const Resource& r, std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;
  storage::Params params{std::move(id)};
  storage::Result result = co_await db_.query(r.find_sql, std::move(params));
  if (result.rows.empty()) co_return std::nullopt;
  co_return std::move(result.rows[0]);
}

Task<std::optional<Row>> ResourceStore::find_for_update(storage::Transaction& tx, const Resource& r, std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;
  storage::Params params{std::move(id)};
  storage::Result result = co_await tx.execute(r.lock_sql, std::move(params));
  if (result.rows.empty()) co_return std::nullopt;
  co_return std::move(result.rows[0]);
}

Task<std::optional<std::string>> ResourceStore::owner_of(storage::Transaction& tx, const Resource& r, std::string id) {
  if (!is_uuid(id)) co_return std::nullopt;
  // On PostgreSQL FOR SHARE keeps the referenced record until the referencing write commits.
  storage::Params params{std::move(id)};
  const storage::Result result = co_await tx.execute(r.owner_sql, std::move(params));
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
  storage::Result result = co_await tx.execute(r.insert_sql, std::move(params));
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
  std::string sql = fmt::format("UPDATE {} SET {} WHERE id = $1 RETURNING {}", r.table, sets, r.select_list);
  storage::Result result = co_await tx.execute(std::move(sql), std::move(params));
  co_return std::move(result.rows.at(0));
}

Task<void> ResourceStore::remove(storage::Transaction& tx, const Resource& r, std::string id) {
  storage::Params params{std::move(id)};
  co_await tx.execute(r.delete_sql, std::move(params));
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
  std::string sql = fmt::format("SELECT {} FROM {} WHERE id IN ({})", r.select_list, r.table, list);
  if (owner) {
    params.emplace_back(std::move(*owner));
    sql += fmt::format(" AND owner_id = ${}", params.size());
  }
  storage::Result result = co_await db_.query(std::move(sql), std::move(params));
  co_return std::move(result.rows);
}

}  // namespace keel::resources
