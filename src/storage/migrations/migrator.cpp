#include "storage/migrations/migrator.hpp"

#include <algorithm>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "core/ids.hpp"

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
// One lock for every keel process migrating the same PostgreSQL database: instances that
// start together apply each migration exactly once (held until the transaction ends).
constexpr std::string_view kPostgresLock = "SELECT pg_advisory_xact_lock(74350001)";
constexpr std::string_view kRecord = "INSERT INTO keel_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

Task<void> create_table(Transaction& tx, bool postgres) {
  if (postgres) co_await tx.execute(std::string(kPostgresLock));
  co_await tx.execute(std::string(kCreateTable));
}

Task<void> ensure_table(Database& db) {
  const bool postgres = db.dialect() == Dialect::kPostgres;
  co_await db.transaction([postgres](Transaction& tx) { return create_table(tx, postgres); });
}

// Checked inside the transaction, so two processes starting at once apply it once.
Task<void> apply_one(Transaction& tx, const Migration& m, bool postgres, bool& ran) {
  if (postgres) co_await tx.execute(std::string(kPostgresLock));
  // Params are built before co_await: g++ 12 miscompiles braced lists inside co_await.
  Params version{std::int64_t{m.version}};
  Result seen = co_await tx.execute(std::string(kSelectOne), std::move(version));
  if (!seen.rows.empty()) co_return;
  for (std::string_view sql : postgres ? m.postgres : m.sqlite) co_await tx.execute(std::string(sql));
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
  const bool postgres = db.dialect() == Dialect::kPostgres;
  for (const Migration& m : migrations) {
    bool ran = false;
    co_await db.transaction([&](Transaction& tx) { return apply_one(tx, m, postgres, ran); });
    if (ran) {
      spdlog::info("migration {} ({}) applied", m.version, m.name);
      done.push_back(m.version);
    }
  }
  co_return done;
}

}  // namespace keel::storage
