#include "core/background.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace keel {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// Issue 12, finding 13: the revocation poll logged a warning twice a second while the database
// was down. A streak of failures is one warning, and the recovery one line.
TEST(Background, AFailingJobWarnsOnceAPerStreakAndSaysWhenItRecovers) {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);

  std::atomic<bool> down{true};
  std::atomic<int> runs{0};
  {
    Background background;
    background.every("probe", std::chrono::milliseconds(5), [&]() -> Task<void> {
      ++runs;
      if (down) throw std::runtime_error("database is down");
      co_return;
    });
    while (runs < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    down = false;
    const int at_recovery = runs;
    while (runs < at_recovery + 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    down = true;
    const int at_second_outage = runs;
    while (runs < at_second_outage + 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  spdlog::set_default_logger(previous);
  const std::string log = out.str();
  EXPECT_EQ(count(log, "background job probe failed: database is down"), 2u) << log;  // one per outage
  EXPECT_EQ(count(log, "background job probe recovered after"), 1u) << log;
}

// Issue 14: the event sequencer runs right after a commit, not at its next tick. A wake runs a
// job with an hour-long period at once; wakes during a run make exactly one more run.
TEST(Background, AWokenJobRunsAtOnceAndWakesDuringARunMakeOneMore) {
  std::atomic<int> runs{0};
  std::atomic<bool> hold{false}, holding{false};
  Background background;
  const Background::Waker waker = background.every("woken", std::chrono::hours(1), [&]() -> Task<void> {
    ++runs;
    holding = hold.load();
    while (hold) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a long run (test only)
    holding = false;
    co_return;
  });
  const auto wait_for = [&](int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (runs < n && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return runs.load();
  };
  waker.wake();
  EXPECT_EQ(wait_for(1), 1);

  hold = true;
  waker.wake();
  EXPECT_EQ(wait_for(2), 2);
  while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int i = 0; i < 10; ++i) waker.wake();  // during the run: coalesced into one more
  hold = false;
  EXPECT_EQ(wait_for(3), 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(runs.load(), 3) << "ten wakes during one run make one run, not ten";
}

}  // namespace
}  // namespace keel
