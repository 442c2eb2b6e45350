#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "storage/database.hpp"

namespace keel::storage {

/// One versioned schema change, written once per dialect.
struct Migration {
  int version;
  std::string_view name;
  std::vector<std::string_view> sqlite;
  std::vector<std::string_view> postgres;
};

/// A migration recorded in keel_migrations.
struct AppliedMigration {
  int version;
  std::string name;
  std::string applied_at;
};

/// Applies the pending migrations in version order, each in its own transaction, recording
/// them in the keel_migrations table so each runs exactly once. Returns the versions applied
/// now. Throws keel::Error from the database; a failed migration is rolled back whole and
/// stops the run.
Task<std::vector<int>> apply_migrations(Database& db, std::span<const Migration> migrations);

/// What keel_migrations records, oldest first.
Task<std::vector<AppliedMigration>> applied_migrations(Database& db);

/// keel's own schema, in version order.
std::span<const Migration> core_migrations();

}  // namespace keel::storage
