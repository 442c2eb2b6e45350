#include "storage/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "core/blocking_pool.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "core/run_sync.hpp"
#include "storage/migrations/migrator.hpp"
#include "support/test_server.hpp"

namespace keel::storage {
namespace {

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  SqliteDatabaseTest() : pool(2, 64), db(SqliteOptions{(dir.path() / "sub" / "t.db").string()}, pool, metrics) {}

  Result exec(std::string sql, Params p = {}) { return run_sync([&] { return db.execute(sql, p); }); }
  Result query(std::string sql, Params p = {}) { return run_sync([&] { return db.query(sql, p); }); }

  test::TempDir dir;
  Metrics metrics;
  BlockingPool pool;
  SqliteDatabase db;
};

TEST_F(SqliteDatabaseTest, CreatesTheFolderAndRoundTripsEveryValueType) {
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "sub" / "t.db"));
  exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, n TEXT)");
  auto w = exec("INSERT INTO t (i, r, s, n) VALUES ($1, $2, $3, $4)",
                {std::int64_t{-9007199254740993}, 2.5, std::string("héllo\0x", 7), nullptr});
  EXPECT_EQ(w.rows_affected, 1);
  auto r = query("SELECT i, r, s, n FROM t");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.columns, (std::vector<std::string>{"i", "r", "s", "n"}));
  EXPECT_EQ(std::get<std::int64_t>(r.rows[0][0]), -9007199254740993);
  EXPECT_EQ(std::get<double>(r.rows[0][1]), 2.5);
  EXPECT_EQ(std::get<std::string>(r.rows[0][2]), std::string("héllo\0x", 7));
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(r.rows[0][3]));
  EXPECT_EQ(r.column("s"), 2u);
}

TEST_F(SqliteDatabaseTest, PlaceholdersBindByNumberNotPosition) {
  auto r = query("SELECT $2 || $1 || $2", {std::string("a"), std::string("b")});
  EXPECT_EQ(std::get<std::string>(r.rows[0][0]), "bab");
}

TEST_F(SqliteDatabaseTest, ValuesNeverBecomeSql) {
  exec("CREATE TABLE t (s TEXT)");
  const std::string hostile = "x'); DROP TABLE t; --";
  exec("INSERT INTO t (s) VALUES ($1)", {hostile});
  EXPECT_EQ(std::get<std::string>(query("SELECT s FROM t").rows[0][0]), hostile);
}

TEST_F(SqliteDatabaseTest, UniqueViolationIsConflictNamingTheColumn) {
  exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)");
  exec("INSERT INTO users (email) VALUES ($1)", {std::string("a@b.co")});
  try {
    exec("INSERT INTO users (email) VALUES ($1)", {std::string("a@b.co")});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_EQ(e.details().count("email"), 1u);
  }
}

TEST_F(SqliteDatabaseTest, BadSqlIsInternalAndKeepsTheSqlOutOfTheMessage) {
  try {
    query("SELEC nonsense");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    EXPECT_EQ(e.message().find("SELEC"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("SELEC"), std::string::npos);
  }
}

TEST_F(SqliteDatabaseTest, QueryConnectionsCannotWrite) {
  exec("CREATE TABLE t (s TEXT)");
  EXPECT_THROW(query("INSERT INTO t (s) VALUES ('x')"), Error);
  EXPECT_TRUE(query("SELECT * FROM t").rows.empty());
}

TEST_F(SqliteDatabaseTest, TransactionCommitsOrRollsBackWhole) {
  exec("CREATE TABLE t (n INTEGER UNIQUE)");
  run_sync([&] {
    return db.transaction([](Transaction& tx) -> Task<void> {
      co_await tx.execute("INSERT INTO t (n) VALUES (1)");
      co_await tx.execute("INSERT INTO t (n) VALUES (2)");
    });
  });
  EXPECT_EQ(query("SELECT n FROM t").rows.size(), 2u);
  EXPECT_THROW(run_sync([&] {
                 return db.transaction([](Transaction& tx) -> Task<void> {
                   co_await tx.execute("INSERT INTO t (n) VALUES (3)");
                   co_await tx.execute("INSERT INTO t (n) VALUES (1)");  // conflict: all of it goes
                 });
               }),
               Error);
  EXPECT_EQ(query("SELECT n FROM t").rows.size(), 2u);
  // The writer is usable again after a rollback.
  exec("INSERT INTO t (n) VALUES (4)");
  EXPECT_EQ(query("SELECT n FROM t").rows.size(), 3u);
}

TEST_F(SqliteDatabaseTest, ConcurrentTransactionsAreSerialisedWithoutLosingWrites) {
  exec("CREATE TABLE counter (n INTEGER)");
  exec("INSERT INTO counter (n) VALUES (0)");
  boost::asio::io_context io;
  constexpr int kWriters = 50;
  int done = 0;
  for (int i = 0; i < kWriters; ++i) {
    boost::asio::co_spawn(
        io,
        db.transaction([](Transaction& tx) -> Task<void> {
          // Read-modify-write: only correct when transactions do not interleave.
          Result r = co_await tx.execute("SELECT n FROM counter");
          Params next{std::get<std::int64_t>(r.rows[0][0]) + 1};
          co_await tx.execute("UPDATE counter SET n = $1", std::move(next));
        }),
        [&](std::exception_ptr e) {
          EXPECT_FALSE(e);
          ++done;
        });
  }
  io.run();
  EXPECT_EQ(done, kWriters);
  EXPECT_EQ(std::get<std::int64_t>(query("SELECT n FROM counter").rows[0][0]), kWriters);
}

TEST_F(SqliteDatabaseTest, RecordsLatencyAndCountsStatements) {
  const auto before = db.statements_executed();
  query("SELECT 1");
  query("SELECT 1");
  EXPECT_EQ(db.statements_executed(), before + 2);
  EXPECT_NE(metrics.render().find("keel_db_query_duration_seconds_count{op=\"read\"} 2"), std::string::npos);
}

TEST_F(SqliteDatabaseTest, MigrationsRunOnceInOrderAndAreRecorded) {
  const std::vector<Migration> migrations = {
      {1, "first", {"CREATE TABLE a (x INTEGER)"}, {"CREATE TABLE a (x BIGINT)"}},
      {2, "second", {"INSERT INTO a (x) VALUES (1)"}, {"INSERT INTO a (x) VALUES (1)"}},
  };
  EXPECT_EQ(run_sync([&] { return apply_migrations(db, migrations); }), (std::vector<int>{1, 2}));
  EXPECT_TRUE(run_sync([&] { return apply_migrations(db, migrations); }).empty());
  EXPECT_EQ(query("SELECT count(*) FROM a").rows[0][0], Value{std::int64_t{1}});
  const auto applied = run_sync([&] { return applied_migrations(db); });
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[1].name, "second");
  EXPECT_EQ(applied[1].applied_at.size(), 24u);
}

TEST_F(SqliteDatabaseTest, AFailedMigrationLeavesNoTrace) {
  const std::vector<Migration> migrations = {
      {1, "ok", {"CREATE TABLE a (x INTEGER)"}, {}},
      {2, "broken", {"CREATE TABLE b (x INTEGER)", "INSERT INTO nowhere VALUES (1)"}, {}},
  };
  EXPECT_THROW(run_sync([&] { return apply_migrations(db, migrations); }), Error);
  EXPECT_EQ(run_sync([&] { return applied_migrations(db); }).size(), 1u);
  EXPECT_TRUE(query("SELECT name FROM sqlite_master WHERE name = 'b'").rows.empty());
}

TEST_F(SqliteDatabaseTest, CoreMigrationsApply) {
  const auto applied = run_sync([&] { return apply_migrations(db, core_migrations()); });
  EXPECT_EQ(applied.size(), core_migrations().size());
  EXPECT_EQ(query("SELECT value FROM keel_meta WHERE key = 'schema_created_at'").rows.size(), 1u);
}

TEST(SqliteUrl, ExtractsThePath) {
  EXPECT_EQ(sqlite_path_from_url("sqlite://./data/keel.db"), "./data/keel.db");
  EXPECT_EQ(sqlite_path_from_url("sqlite:///var/lib/keel.db"), "/var/lib/keel.db");
  EXPECT_THROW(sqlite_path_from_url("sqlite://"), std::invalid_argument);
  EXPECT_THROW(sqlite_path_from_url("postgresql://x"), std::invalid_argument);
}

TEST(SqliteOpen, UnwritableLocationFailsWithThePath) {
  BlockingPool pool(1, 4);
  Metrics metrics;
  try {
    SqliteDatabase db(SqliteOptions{"/proc/keel-cannot-be-here/x.db"}, pool, metrics);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/keel-cannot-be-here/x.db"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace keel::storage
