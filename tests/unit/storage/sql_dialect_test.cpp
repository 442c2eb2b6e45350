// The SQL each dialect writes where SQLite and PostgreSQL differ, and the factory that picks the
// database (and so the dialect) from DATABASE_URL.
#include "storage/sql_dialect.hpp"

#include <gtest/gtest.h>

#include "core/blocking_pool.hpp"
#include "core/metrics.hpp"
#include "storage/open_database.hpp"
#include "storage/postgres/postgres_dialect.hpp"
#include "storage/sqlite/sqlite_dialect.hpp"
#include "support/test_server.hpp"

namespace keel::storage {
namespace {

TEST(SqlDialect, SqliteNeedsNoCastsLocksOrNullPlacement) {
  const SqlDialect& d = sqlite_dialect();
  EXPECT_EQ(d.timestamp_text("created_at"), "created_at");
  EXPECT_EQ(d.uuid_text("owner_id"), "owner_id");
  EXPECT_EQ(d.bool_value(true), Value(std::int64_t{1}));
  EXPECT_EQ(d.for_update(), "");
  EXPECT_EQ(d.text_collation(), "");
  EXPECT_EQ(d.nulls_first(), "");
  EXPECT_EQ(d.distinct_from("a", "$1"), "a IS NOT $1");
  EXPECT_EQ(d.like_ignoring_case("a", "$1"), "a LIKE $1 ESCAPE '\\'");
  EXPECT_EQ(d.column_type(ColumnType::kTimestamp), "TEXT");
  EXPECT_EQ(d.column_type(ColumnType::kBoolean), "INTEGER");
  EXPECT_FALSE(d.alters_constraints());
  EXPECT_EQ(d.drop_table("\"t\""), "DROP TABLE \"t\"");
  EXPECT_EQ(d.migration_lock(), "");
  EXPECT_EQ(d.foreign_keys_off(), "PRAGMA foreign_keys = OFF");
}

TEST(SqlDialect, PostgresFormatsCastsLocksAndPlacesNulls) {
  const SqlDialect& d = postgres_dialect();
  EXPECT_EQ(d.timestamp_text("created_at"),
            "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')");
  EXPECT_EQ(d.uuid_text("owner_id"), "owner_id::text");
  EXPECT_EQ(d.bool_value(false), Value(std::string("false")));
  EXPECT_EQ(d.for_update(), " FOR UPDATE");
  EXPECT_EQ(d.for_share(), " FOR SHARE");
  EXPECT_EQ(d.text_collation(), " COLLATE \"C\"");
  EXPECT_EQ(d.nulls_first(), " NULLS FIRST");
  EXPECT_EQ(d.nulls_last(), " NULLS LAST");
  EXPECT_EQ(d.distinct_from("a", "$1"), "a IS DISTINCT FROM $1");
  EXPECT_EQ(d.like_ignoring_case("a", "$1"), "a ILIKE $1 ESCAPE '\\'");
  EXPECT_EQ(d.column_type(ColumnType::kText), "text COLLATE \"C\"");
  EXPECT_EQ(d.column_type(ColumnType::kUuid), "uuid");
  EXPECT_TRUE(d.alters_constraints());
  EXPECT_EQ(d.drop_table("\"t\""), "DROP TABLE \"t\" CASCADE");
  EXPECT_EQ(d.migration_lock(), "SELECT pg_advisory_xact_lock(74350001)");
  EXPECT_EQ(d.foreign_keys_off(), "");
}

TEST(SqlDialect, LikeWildcardsAndTheEscapeMeanThemselves) {
  EXPECT_EQ(like_escaped("50%_off\\"), "50\\%\\_off\\\\");
  EXPECT_EQ(like_escaped("plain"), "plain");
}

TEST(OpenDatabase, TheUrlSchemePicksTheBackend) {
  test::TempDir dir;
  BlockingPool pool(1, 16);
  Metrics metrics;
  const auto sqlite = open_database("sqlite://" + (dir.path() / "keel.db").string(), {.pool_size = 4}, pool, metrics);
  EXPECT_EQ(sqlite->name(), "sqlite");
  // PostgreSQL connects lazily: nothing is dialled here.
  const auto postgres = open_database("postgresql://keel@127.0.0.1:1/keel", {.pool_size = 4}, pool, metrics);
  EXPECT_EQ(postgres->name(), "postgres");
}

TEST(OpenDatabase, OnlyAFileDatabaseHasAFile) {
  EXPECT_EQ(database_file("sqlite://./data/keel.db"), "./data/keel.db");
  EXPECT_EQ(database_file("postgresql://keel@localhost/keel"), std::nullopt);
}

}  // namespace
}  // namespace keel::storage
