#include <array>

#include "storage/migrations/migrator.hpp"

namespace keel::storage {
namespace {

// Append only: a released migration is never edited, a change is a new version.
const std::array<Migration, 1> kMigrations = {{
    {1,
     "instance metadata",
     {"CREATE TABLE keel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      "INSERT INTO keel_meta (key, value) VALUES ('schema_created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"},
     {"CREATE TABLE keel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      "INSERT INTO keel_meta (key, value) VALUES ('schema_created_at', "
      "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"}},
}};

}  // namespace

std::span<const Migration> core_migrations() { return kMigrations; }

}  // namespace keel::storage
