// PostgreSQL-only behaviour: a server that is not there, and a pool that is full.
#include "storage/postgres/postgres_database.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/error.hpp"
#include "core/metrics.hpp"
#include "core/run_sync.hpp"
#include "support/test_database.hpp"

namespace keel::storage {
namespace {

using namespace std::chrono_literals;

TEST(PostgresDatabase, AnUnreachableServerIs503NotAHang) {
  Metrics metrics;
  PostgresDatabase db(PostgresOptions{.url = "postgresql://keel@127.0.0.1:1/keel"}, metrics);
  const auto started = std::chrono::steady_clock::now();
  try {
    run_sync([&] { return db.query("SELECT 1"); });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_EQ(e.message().find("127.0.0.1"), std::string::npos) << "no connection details for the client";
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(db.open_connections(), 0u) << "a failed connect gives its slot back";
}

TEST(PostgresDatabase, AFullPoolMakesRequestsWaitThen503) {
  if (test::postgres_test_url().empty()) GTEST_SKIP() << "set KEEL_TEST_POSTGRES_URL (make test does)";
  Metrics metrics;
  PostgresDatabase db(PostgresOptions{.url = test::postgres_test_url(), .pool_size = 1, .acquire_timeout = 300ms},
                      metrics);
  boost::asio::io_context io;
  // One transaction holds the only connection for 1 s.
  bool held_done = false;
  boost::asio::co_spawn(
      io,
      db.transaction([](Transaction& tx) -> Task<void> {
        co_await tx.execute("SELECT 1");
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 1s);
        co_await t.async_wait(boost::asio::use_awaitable);
      }),
      [&](std::exception_ptr e) {
        EXPECT_FALSE(e);
        held_done = true;
      });
  // A query meanwhile waits 300 ms for it, then gives up with 503.
  std::optional<ErrorCode> refused;
  std::chrono::steady_clock::duration waited{};
  auto probe = [&]() -> Task<void> {
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 100ms);
    co_await t.async_wait(boost::asio::use_awaitable);
    const auto started = std::chrono::steady_clock::now();
    try {
      co_await db.query("SELECT 1");
    } catch (const Error& e) {
      refused = e.code();
    }
    waited = std::chrono::steady_clock::now() - started;
  };
  boost::asio::co_spawn(io, probe(), [](std::exception_ptr e) { EXPECT_FALSE(e); });
  io.run();
  EXPECT_TRUE(held_done);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(*refused, ErrorCode::kUnavailable);
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 900ms);
  // Once the connection is free again, the next request is served by it.
  EXPECT_EQ(run_sync([&] { return db.query("SELECT 2"); }).rows.size(), 1u);
  EXPECT_EQ(db.open_connections(), 1u);
}

TEST(PostgresDatabase, AWaitingRequestGetsTheConnectionWhenItIsReleased) {
  if (test::postgres_test_url().empty()) GTEST_SKIP() << "set KEEL_TEST_POSTGRES_URL (make test does)";
  Metrics metrics;
  PostgresDatabase db(PostgresOptions{.url = test::postgres_test_url(), .pool_size = 2, .acquire_timeout = 5s},
                      metrics);
  boost::asio::io_context io;
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    boost::asio::co_spawn(io, db.query("SELECT pg_sleep(0.01)"), [&](std::exception_ptr e, Result) {
      EXPECT_FALSE(e);
      ++ok;
    });
  }
  io.run();
  EXPECT_EQ(ok, 20);
  EXPECT_LE(db.open_connections(), 2u);
}

}  // namespace
}  // namespace keel::storage

namespace keel::storage {
namespace {

// libpq passes text parameters as C strings, so a NUL would cut the value silently: the driver
// refuses it instead (features refuse U+0000 earlier, naming the field; this is the backstop).
TEST(PostgresDatabase, ATextParameterWithNulIsRefusedNotCut) {
  if (test::postgres_test_url().empty()) GTEST_SKIP() << "set KEEL_TEST_POSTGRES_URL (make test does)";
  Metrics metrics;
  PostgresDatabase db(PostgresOptions{.url = test::postgres_test_url(), .pool_size = 1}, metrics);
  try {
    run_sync([&] { return db.query("SELECT $1::text", {std::string("a\0b", 3)}); });
    FAIL() << "a value with NUL reached the server";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kValidation);
  }
  EXPECT_EQ(run_sync([&] { return db.query("SELECT $1::text", {std::string("ab")}); }).rows.size(), 1u);
}

}  // namespace
}  // namespace keel::storage
