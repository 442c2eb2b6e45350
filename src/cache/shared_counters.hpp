#pragma once

#include "core/counters.hpp"

namespace keel::cache {

class RedisClient;

/// Rate-limit counters every instance shares (API.md §12): each hit is one Lua script on Redis
/// (INCR, and the window's expiry set by the first hit), so instances count together and two
/// hits never read the same count. While Redis is down each instance counts in `fallback`
/// (limits per instance, as without Redis); no request fails for it.
class SharedCounters final : public Counters {
 public:
  SharedCounters(RedisClient& redis, MemoryCounters& fallback) : redis_(redis), fallback_(fallback) {}

  Task<Hit> hit(std::string key, std::chrono::milliseconds window) override;
  Task<void> reset(std::string key) override;

 private:
  RedisClient& redis_;
  MemoryCounters& fallback_;
};

}  // namespace keel::cache
