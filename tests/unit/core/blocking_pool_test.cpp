#include "core/blocking_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "core/error.hpp"
#include "core/run_sync.hpp"

namespace keel {
namespace {

TEST(BlockingPool, RunsOffTheCallingThreadAndReturnsTheResult) {
  BlockingPool pool(2, 8);
  const auto caller = std::this_thread::get_id();
  const auto worker = run_sync([&] { return pool.run([] { return std::this_thread::get_id(); }); });
  EXPECT_NE(worker, caller);
}

TEST(BlockingPool, RethrowsWhatTheJobThrows) {
  BlockingPool pool(1, 8);
  EXPECT_THROW(run_sync([&] { return pool.run([]() -> int { throw std::logic_error("boom"); }); }), std::logic_error);
}

TEST(BlockingPool, RefusesPastItsQueueWith503) {
  BlockingPool pool(1, 2);
  std::promise<void> release;
  auto gate = release.get_future().share();
  boost::asio::io_context io;
  std::atomic<int> started{0};
  // Two jobs fill the pool (one running, one waiting); the third is refused at once.
  for (int i = 0; i < 2; ++i) {
    boost::asio::co_spawn(io, pool.run([gate, &started] { ++started; gate.wait(); }), boost::asio::detached);
  }
  io.poll();
  EXPECT_EQ(pool.in_use(), 2u);
  try {
    run_sync([&] { return pool.run([] {}); });
    FAIL() << "expected SERVICE_UNAVAILABLE";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  }
  EXPECT_EQ(pool.rejected(), 1u);
  release.set_value();
  while (pool.in_use() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  io.run();
  EXPECT_EQ(started.load(), 2);
  // With room again, work is accepted.
  EXPECT_EQ(run_sync([&] { return pool.run([] { return 7; }); }), 7);
}

TEST(BlockingPool, RunAlwaysIsNeverRefused) {
  BlockingPool pool(1, 1);
  std::promise<void> release;
  auto gate = release.get_future().share();
  boost::asio::io_context io;
  boost::asio::co_spawn(io, pool.run([gate] { gate.wait(); }), boost::asio::detached);
  io.poll();
  std::thread unblock([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release.set_value();
  });
  EXPECT_EQ(run_sync([&] { return pool.run_always([] { return 1; }); }), 1);
  unblock.join();
  io.run();
}

}  // namespace
}  // namespace keel
