#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/async.hpp"

namespace keel {

/// Counters in fixed time windows, keyed by text (a client address, or email + address): what
/// the rate limits of API.md §3 count. In this process's memory (MemoryCounters), or shared by
/// every instance through Redis (cache::SharedCounters).
class Counters {
 public:
  struct Hit {
    std::int64_t count = 0;          // this window's count, this hit included
    std::chrono::milliseconds left;  // until the window ends
  };

  virtual ~Counters() = default;
  /// Adds one to `key` in its current window of `window` length, in one atomic step. Never throws
  /// for a store that is away (a shared store falls back to counting here).
  virtual Task<Hit> hit(std::string key, std::chrono::milliseconds window) = 0;
  /// Forgets `key` (e.g. failed logins after a success).
  virtual Task<void> reset(std::string key) = 0;
};

/// Counters in this process's memory; expired windows are dropped as they are met and by prune().
class MemoryCounters final : public Counters {
 public:
  Task<Hit> hit(std::string key, std::chrono::milliseconds window) override;
  Task<void> reset(std::string key) override;
  /// The same, without a coroutine.
  Hit hit_now(const std::string& key, std::chrono::milliseconds window);
  void reset_now(const std::string& key);
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

}  // namespace keel
