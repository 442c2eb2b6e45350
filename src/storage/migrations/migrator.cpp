#include "storage/migrations/migrator.hpp"

#include <algorithm>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::storage {
namespace {

constexpr std::string_view kCreateTable = R"(
CREATE TABLE IF NOT EXISTS keel_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
))";
constexpr std::string_view kSelectApplied = "SELECT version, name, applied_at FROM keel_migrations ORDER BY version";
constexpr std::string_view kSelectOne = "SELECT 1 FROM keel_migrations WHERE version = $1";
constexpr std::string_view kRecord = "INSERT INTO keel_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

// Instances that start together take turns (the lock is held until the transaction ends), so
// each migration is applied exactly once.
Task<void> lock(Transaction& tx, const SqlDialect& dialect) {
  if (!dialect.migration_lock().empty()) co_await tx.execute(std::string(dialect.migration_lock()));
}

Task<void> create_table(Transaction& tx, const SqlDialect& dialect) {
  co_await lock(tx, dialect);
  co_await tx.execute(std::string(kCreateTable));
}

Task<void> ensure_table(Database& db) {
  const SqlDialect& dialect = db.dialect();
  co_await db.transaction([&dialect](Transaction& tx) { return create_table(tx, dialect); });
}

// Checked inside the transaction, so two processes starting at once apply it once.
Task<void> apply_one(Transaction& tx, const Migration& m, const SqlDialect& dialect, bool& ran) {
  co_await lock(tx, dialect);
  // Params are built before co_await: g++ 12 miscompiles braced lists inside co_await.
  Params version{std::int64_t{m.version}};
  Result seen = co_await tx.execute(std::string(kSelectOne), std::move(version));
  if (!seen.rows.empty()) co_return;
  const auto& statements = dialect.backend() == Backend::kPostgres ? m.postgres : m.sqlite;
  for (std::string_view sql : statements) co_await tx.execute(std::string(sql));
  Params record{std::int64_t{m.version}, std::string(m.name), now_timestamp()};
  co_await tx.execute(std::string(kRecord), std::move(record));
  ran = true;
}

}  // namespace

Task<std::vector<AppliedMigration>> applied_migrations(Database& db) {
  co_await ensure_table(db);
  Result r = co_await db.query(std::string(kSelectApplied));
  std::vector<AppliedMigration> out;
  for (const auto& row : r.rows) {
    out.push_back({static_cast<int>(std::get<std::int64_t>(row[0])), std::get<std::string>(row[1]),
                   std::get<std::string>(row[2])});
  }
  co_return out;
}

Task<std::vector<int>> apply_migrations(Database& db, std::span<const Migration> migrations) {
  if (!std::is_sorted(migrations.begin(), migrations.end(),
                      [](const Migration& a, const Migration& b) { return a.version < b.version; })) {
    throw std::logic_error("migrations must be listed in version order");
  }
  co_await ensure_table(db);
  std::vector<int> done;
  for (const Migration& m : migrations) {
    bool ran = false;
    co_await db.transaction([&](Transaction& tx) { return apply_one(tx, m, db.dialect(), ran); });
    if (ran) {
      spdlog::info("migration {} ({}) applied", m.version, m.name);
      done.push_back(m.version);
    }
  }
  co_return done;
}

}  // namespace keel::storage
