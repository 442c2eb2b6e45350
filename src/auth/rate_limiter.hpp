#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace keel::auth {

/// Counters in fixed time windows, keyed by text (a client address, or email + address).
/// Kept behind this small interface so a shared store (Redis) can replace the in-memory one
/// when several instances must share their counts.
class Counters {
 public:
  virtual ~Counters() = default;
  /// Adds one to `key` in its current window of `window` length; returns the count and the
  /// time left in the window.
  virtual std::pair<std::int64_t, std::chrono::milliseconds> hit(const std::string& key,
                                                                 std::chrono::milliseconds window) = 0;
  /// Forgets `key` (e.g. failed logins after a success).
  virtual void reset(const std::string& key) = 0;
};

/// Counters in this process's memory; expired windows are dropped as they are met and by prune().
class MemoryCounters final : public Counters {
 public:
  std::pair<std::int64_t, std::chrono::milliseconds> hit(const std::string& key,
                                                         std::chrono::milliseconds window) override;
  void reset(const std::string& key) override;
  /// Drops every expired window (called periodically so memory stays bounded).
  void prune();

 private:
  struct Window {
    std::int64_t count = 0;
    std::chrono::steady_clock::time_point ends;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace keel::auth
