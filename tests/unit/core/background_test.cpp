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

}  // namespace
}  // namespace keel
