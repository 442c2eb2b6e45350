#pragma once

#include <atomic>
#include <chrono>

#include "core/clock.hpp"

namespace keel::test {

/// A clock that stands still until the test moves it; starts at the system time. Safe to read
/// from the server's threads while the test thread advances it.
class ManualClock final : public Clock {
 public:
  ManualClock() : ms_(Clock::system().unix_ms()) {}

  std::chrono::system_clock::time_point now() const noexcept override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  void advance(std::chrono::milliseconds by) noexcept { ms_.fetch_add(by.count()); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace keel::test
