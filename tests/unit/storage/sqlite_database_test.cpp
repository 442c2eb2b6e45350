#include "storage/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
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

TEST_F(SqliteDatabaseTest, QueryConnectionsCannotWrite) {
  exec("CREATE TABLE t (s TEXT)");
  EXPECT_THROW(query("INSERT INTO t (s) VALUES ('x')"), Error);
  EXPECT_TRUE(query("SELECT * FROM t").rows.empty());
}

TEST_F(SqliteDatabaseTest, RecordsLatencyAndCountsStatements) {
  const auto before = db.statements_executed();
  query("SELECT 1");
  query("SELECT 1");
  EXPECT_EQ(db.statements_executed(), before + 2);
  EXPECT_NE(metrics.render().find("keel_db_query_duration_seconds_count{op=\"read\"} 2"), std::string::npos);
}

// Shutdown: a write still running when the server's loops stop must finish, and its completion
// must not reach a loop that is gone (this crashed keel's tests now and then: the writer thread
// outlived the loop it answered to).
TEST_F(SqliteDatabaseTest, StopFinishesTheWriteUnderWayBeforeItsCallersLoopGoes) {
  exec("CREATE TABLE t (s TEXT)");
  bool answered = false;
  {
    boost::asio::io_context caller;
    boost::asio::co_spawn(
        caller,
        [&]() -> Task<void> {
          co_await db.transaction([](Transaction& tx) -> Task<void> {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));  // still running at stop()
            co_await tx.execute("INSERT INTO t (s) VALUES ('kept')");
          });
          answered = true;
        },
        [](std::exception_ptr) {});
    caller.run_for(std::chrono::milliseconds(50));  // the write is on the writer thread now
    db.stop();  // waits for it; its answer is queued on `caller`, which is not running
    EXPECT_FALSE(answered);
  }  // `caller` and the answer queued on it are destroyed here, the database later
  EXPECT_FALSE(answered);
  EXPECT_EQ(query("SELECT s FROM t").rows.size(), 1u) << "the write under way was committed";
  try {
    exec("INSERT INTO t (s) VALUES ('late')");
    FAIL() << "a write after stop() was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  }
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


// Issue 12, finding 5: an acknowledged commit survives power loss unless the operator opts out.
TEST_F(SqliteDatabaseTest, CommitsAreSyncedFullyByDefault) {
  // PRAGMA synchronous: 2 = FULL, 1 = NORMAL. Asked of the writer (execute) and a reader.
  EXPECT_EQ(std::get<std::int64_t>(exec("PRAGMA synchronous").rows.at(0).at(0)), 2);
  EXPECT_EQ(std::get<std::int64_t>(query("PRAGMA synchronous").rows.at(0).at(0)), 2);
}

TEST(SqliteDatabaseOptions, NormalSynchronousIsWhatTheOperatorAsksFor) {
  test::TempDir dir;
  Metrics metrics;
  BlockingPool pool(1, 16);
  SqliteOptions options{(dir.path() / "t.db").string()};
  options.synchronous_full = false;
  SqliteDatabase db(options, pool, metrics);
  EXPECT_EQ(std::get<std::int64_t>(run_sync([&] { return db.execute("PRAGMA synchronous"); }).rows.at(0).at(0)), 1);
}

// Issue 12, finding 13: the file holds password hashes; the umask must not make it readable.
TEST(SqliteDatabaseOptions, TheFileAndTheFolderKeelCreatesAreTheOwnersOnly) {
  test::TempDir dir;
  Metrics metrics;
  BlockingPool pool(1, 16);
  const mode_t old_umask = ::umask(022);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                               std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                               std::filesystem::perms::others_exec);
  {
    SqliteDatabase db(SqliteOptions{(dir.path() / "data" / "keel.db").string()}, pool, metrics);
    run_sync([&] { return db.execute("CREATE TABLE t (s TEXT)"); });
    run_sync([&] { return db.execute("INSERT INTO t VALUES ('x')"); });
    namespace fs = std::filesystem;
    const auto mode = [](const fs::path& p) { return fs::status(p).permissions() & fs::perms::all; };
    EXPECT_EQ(mode(dir.path() / "data"), fs::perms::owner_all);
    EXPECT_EQ(mode(dir.path() / "data" / "keel.db"), fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_TRUE(fs::exists(dir.path() / "data" / "keel.db-wal"));
    EXPECT_EQ(mode(dir.path() / "data" / "keel.db-wal"), fs::perms::owner_read | fs::perms::owner_write);
    // The folder it was given (here the test's) is the operator's and keeps its mode.
    EXPECT_NE(mode(dir.path()), fs::perms::owner_all);
  }
  // A file an older keel left world-readable is tightened at the next open.
  const auto old_file = dir.path() / "old.db";
  { std::ofstream(old_file.string()) << ""; }
  std::filesystem::permissions(old_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                             std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  { SqliteDatabase db(SqliteOptions{old_file.string()}, pool, metrics); }
  EXPECT_EQ(std::filesystem::status(old_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ::umask(old_umask);
}

}  // namespace
}  // namespace keel::storage
