// The Database contract, on every backend: SQLite always, PostgreSQL when
// KEEL_TEST_POSTGRES_URL names a server (make test starts one).
#include "storage/database.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "core/error.hpp"
#include "core/run_sync.hpp"
#include "storage/migrations/migrator.hpp"
#include "support/test_database.hpp"

namespace keel::storage {
namespace {

class DatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && test::postgres_test_url().empty()) {
      GTEST_SKIP() << "set KEEL_TEST_POSTGRES_URL to run the PostgreSQL cases (make test does)";
    }
    database = std::make_unique<test::TestDatabase>(GetParam());
  }
  Database& db() { return database->db(); }
  Result exec(std::string sql, Params p = {}) { return run_sync([&] { return db().execute(sql, p); }); }
  Result query(std::string sql, Params p = {}) { return run_sync([&] { return db().query(sql, p); }); }

  std::unique_ptr<test::TestDatabase> database;
};

TEST_P(DatabaseTest, RoundTripsEveryValueType) {
  exec("CREATE TABLE t (i BIGINT, r DOUBLE PRECISION, s TEXT, n TEXT, b BOOLEAN)");
  const Result w = exec("INSERT INTO t (i, r, s, n, b) VALUES ($1, $2, $3, $4, $5)",
                        {std::int64_t{-9007199254740993}, 2.5, std::string("héllo ✓"), nullptr, std::int64_t{1}});
  EXPECT_EQ(w.rows_affected, 1);
  const Result r = query("SELECT i, r, s, n, b FROM t");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.columns, (std::vector<std::string>{"i", "r", "s", "n", "b"}));
  EXPECT_EQ(std::get<std::int64_t>(r.rows[0][0]), -9007199254740993);
  EXPECT_EQ(std::get<double>(r.rows[0][1]), 2.5);
  EXPECT_EQ(std::get<std::string>(r.rows[0][2]), "héllo ✓");
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(r.rows[0][3]));
  EXPECT_EQ(std::get<std::int64_t>(r.rows[0][4]), 1);
  EXPECT_EQ(r.column("s"), 2u);
}

TEST_P(DatabaseTest, PlaceholdersBindByNumberNotPosition) {
  const Result r = query("SELECT CAST($2 AS TEXT) || CAST($1 AS TEXT) || CAST($2 AS TEXT)",
                         {std::string("a"), std::string("b")});
  EXPECT_EQ(std::get<std::string>(r.rows[0][0]), "bab");
}

TEST_P(DatabaseTest, ValuesNeverBecomeSql) {
  exec("CREATE TABLE t (s TEXT)");
  const std::string hostile = "x'); DROP TABLE t; --";
  exec("INSERT INTO t (s) VALUES ($1)", {hostile});
  EXPECT_EQ(std::get<std::string>(query("SELECT s FROM t").rows[0][0]), hostile);
}

TEST_P(DatabaseTest, UniqueViolationIsConflictNamingTheColumn) {
  exec("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT UNIQUE)");
  exec("INSERT INTO users (id, email) VALUES (1, $1)", {std::string("a@b.co")});
  try {
    exec("INSERT INTO users (id, email) VALUES (2, $1)", {std::string("a@b.co")});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_EQ(e.details().count("email"), 1u) << e.what();
  }
}

TEST_P(DatabaseTest, BadSqlIsInternalAndKeepsTheSqlOutOfTheMessage) {
  try {
    query("SELEC nonsense");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    EXPECT_EQ(e.message().find("SELEC"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("SELEC"), std::string::npos);
  }
  // The connection that saw the error is still good.
  EXPECT_EQ(query("SELECT 1").rows.size(), 1u);
}

TEST_P(DatabaseTest, TransactionCommitsOrRollsBackWhole) {
  exec("CREATE TABLE t (n BIGINT UNIQUE)");
  run_sync([&] {
    return db().transaction([](Transaction& tx) -> Task<void> {
      co_await tx.execute("INSERT INTO t (n) VALUES (1)");
      co_await tx.execute("INSERT INTO t (n) VALUES (2)");
    });
  });
  EXPECT_EQ(query("SELECT n FROM t").rows.size(), 2u);
  EXPECT_THROW(run_sync([&] {
                 return db().transaction([](Transaction& tx) -> Task<void> {
                   co_await tx.execute("INSERT INTO t (n) VALUES (3)");
                   co_await tx.execute("INSERT INTO t (n) VALUES (1)");  // conflict: all of it goes
                 });
               }),
               Error);
  EXPECT_EQ(query("SELECT n FROM t").rows.size(), 2u);
  exec("INSERT INTO t (n) VALUES (4)");  // usable again after a rollback
  EXPECT_EQ(query("SELECT n FROM t").rows.size(), 3u);
}

// A deferred statement (the event log's insert) runs in order with the others, and its failure,
// wherever it surfaces (the next statement or the COMMIT), takes the whole transaction with it.
TEST_P(DatabaseTest, DeferredStatementsRunInOrderAndTheirFailureRollsBackTheTransaction) {
  exec("CREATE TABLE t (n BIGINT UNIQUE)");
  std::int64_t seen_inside = -1;
  run_sync([&] {
    return db().transaction([&](Transaction& tx) -> Task<void> {
      co_await tx.execute_deferred("INSERT INTO t (n) VALUES (1)");
      co_await tx.execute_deferred("INSERT INTO t (n) VALUES (2)");
      const Result r = co_await tx.execute("SELECT count(*) FROM t");  // after both
      seen_inside = std::get<std::int64_t>(r.rows.at(0).at(0));
      co_await tx.execute_deferred("INSERT INTO t (n) VALUES (3)");  // with the COMMIT
    });
  });
  EXPECT_EQ(seen_inside, 2);
  EXPECT_EQ(query("SELECT n FROM t ORDER BY n").rows.size(), 3u);

  // Failing with the COMMIT: nothing of the transaction stays, and the caller hears the conflict.
  try {
    run_sync([&] {
      return db().transaction([](Transaction& tx) -> Task<void> {
        co_await tx.execute("INSERT INTO t (n) VALUES (4)");
        co_await tx.execute_deferred("INSERT INTO t (n) VALUES (1)");
      });
    });
    FAIL() << "the deferred conflict was not reported";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict) << e.what();
  }
  // Failing with the next statement: that statement does not run either.
  EXPECT_THROW(run_sync([&] {
                 return db().transaction([](Transaction& tx) -> Task<void> {
                   co_await tx.execute_deferred("INSERT INTO t (n) VALUES (2)");
                   co_await tx.execute("INSERT INTO t (n) VALUES (5)");
                 });
               }),
               Error);
  // A statement the server cannot prepare, sent with others: an internal error, and the
  // connection serves the next transaction (the bad text was not taken for prepared).
  for (int i = 0; i < 2; ++i) {
    EXPECT_THROW(run_sync([&] {
                   return db().transaction([](Transaction& tx) -> Task<void> {
                     co_await tx.execute_deferred("INSERT INTO nowhere (n) VALUES (6)");
                     co_await tx.execute("INSERT INTO t (n) VALUES (7)");
                   });
                 }),
                 Error);
  }
  EXPECT_EQ(query("SELECT n FROM t ORDER BY n").rows.size(), 3u) << "4, 5 and 7 rolled back";
  run_sync([&] {
    return db().transaction([](Transaction& tx) -> Task<void> {
      co_await tx.execute_deferred("INSERT INTO t (n) VALUES (8)");
    });
  });
  EXPECT_EQ(query("SELECT n FROM t ORDER BY n").rows.size(), 4u);
}

// Issue 14: the event log counts events and wakes its sequencer once their transaction
// committed, never for one that rolled back.
TEST_P(DatabaseTest, AfterCommitRunsOnceCommittedAndNeverAfterARollback) {
  exec("CREATE TABLE t (n BIGINT UNIQUE)");
  int calls = 0;
  bool visible_when_called = false;
  run_sync([&] {
    return db().transaction([&](Transaction& tx) -> Task<void> {
      co_await tx.execute("INSERT INTO t (n) VALUES (1)");
      tx.after_commit([&] {
        ++calls;
        visible_when_called = query("SELECT n FROM t").rows.size() == 1;  // from another connection
      });
    });
  });
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(visible_when_called) << "called once the commit is visible to others";
  EXPECT_THROW(run_sync([&] {
                 return db().transaction([&](Transaction& tx) -> Task<void> {
                   tx.after_commit([&] { ++calls; });
                   co_await tx.execute("INSERT INTO t (n) VALUES (1)");  // conflict: rolled back
                 });
               }),
               Error);
  EXPECT_EQ(calls, 1);
}

TEST_P(DatabaseTest, ManyConcurrentTransactionsLoseNoWrite) {
  exec("CREATE TABLE counter (n BIGINT)");
  exec("CREATE TABLE log (i BIGINT)");
  exec("INSERT INTO counter (n) VALUES (0)");
  boost::asio::io_context io;
  constexpr int kWriters = 50;
  int done = 0;
  for (int i = 0; i < kWriters; ++i) {
    boost::asio::co_spawn(
        io,
        db().transaction([i](Transaction& tx) -> Task<void> {
          Params row{std::int64_t{i}};
          co_await tx.execute("INSERT INTO log (i) VALUES ($1)", std::move(row));
          co_await tx.execute("UPDATE counter SET n = n + 1");
        }),
        [&](std::exception_ptr e) {
          EXPECT_FALSE(e);
          ++done;
        });
  }
  io.run();
  EXPECT_EQ(done, kWriters);
  EXPECT_EQ(std::get<std::int64_t>(query("SELECT n FROM counter").rows[0][0]), kWriters);
  EXPECT_EQ(std::get<std::int64_t>(query("SELECT count(*) FROM log").rows[0][0]), kWriters);
}

TEST_P(DatabaseTest, RecordsLatency) {
  query("SELECT 1");
  query("SELECT 1");
  EXPECT_NE(database->metrics().render().find("keel_db_query_duration_seconds_count{op=\"read\"} 2"), std::string::npos);
}

TEST_P(DatabaseTest, MigrationsRunOnceInOrderAndAreRecorded) {
  const std::vector<Migration> migrations = {
      {1, "first", {"CREATE TABLE a (x INTEGER)"}, {"CREATE TABLE a (x BIGINT)"}},
      {2, "second", {"INSERT INTO a (x) VALUES (1)"}, {"INSERT INTO a (x) VALUES (1)"}},
  };
  EXPECT_EQ(run_sync([&] { return apply_migrations(db(), migrations); }), (std::vector<int>{1, 2}));
  EXPECT_TRUE(run_sync([&] { return apply_migrations(db(), migrations); }).empty());
  EXPECT_EQ(query("SELECT count(*) FROM a").rows[0][0], Value{std::int64_t{1}});
  const auto applied = run_sync([&] { return applied_migrations(db()); });
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[1].name, "second");
  EXPECT_EQ(applied[1].applied_at.size(), 24u);
}

TEST_P(DatabaseTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  const std::vector<Migration> migrations = {
      {1, "table", {"CREATE TABLE a (x INTEGER)"}, {"CREATE TABLE a (x BIGINT)"}},
      {2, "row", {"INSERT INTO a (x) VALUES (1)"}, {"INSERT INTO a (x) VALUES (1)"}},
  };
  boost::asio::io_context io;
  std::vector<int> applied;
  for (int i = 0; i < 4; ++i) {
    boost::asio::co_spawn(io, apply_migrations(db(), migrations), [&](std::exception_ptr e, std::vector<int> done) {
      EXPECT_FALSE(e);
      applied.insert(applied.end(), done.begin(), done.end());
    });
  }
  io.run();
  std::sort(applied.begin(), applied.end());
  EXPECT_EQ(applied, (std::vector<int>{1, 2}));
  EXPECT_EQ(query("SELECT count(*) FROM a").rows[0][0], Value{std::int64_t{1}});
}

TEST_P(DatabaseTest, AFailedMigrationLeavesNoTrace) {
  const std::vector<Migration> migrations = {
      {1, "ok", {"CREATE TABLE a (x INTEGER)"}, {"CREATE TABLE a (x BIGINT)"}},
      {2, "broken", {"CREATE TABLE b (x INTEGER)", "INSERT INTO nowhere VALUES (1)"},
       {"CREATE TABLE b (x BIGINT)", "INSERT INTO nowhere VALUES (1)"}},
  };
  EXPECT_THROW(run_sync([&] { return apply_migrations(db(), migrations); }), Error);
  EXPECT_EQ(run_sync([&] { return applied_migrations(db()); }).size(), 1u);
  EXPECT_THROW(query("SELECT x FROM b"), Error);
}

TEST_P(DatabaseTest, CoreMigrationsApply) {
  const auto applied = run_sync([&] { return apply_migrations(db(), core_migrations()); });
  EXPECT_EQ(applied.size(), core_migrations().size());
  EXPECT_EQ(query("SELECT value FROM keel_meta WHERE key = 'schema_created_at'").rows.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace keel::storage
