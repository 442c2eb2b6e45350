#include "core/counters.hpp"

namespace keel {

using Clock = std::chrono::steady_clock;

Counters::Hit MemoryCounters::hit_now(const std::string& key, std::chrono::milliseconds window) {
  const auto now = Clock::now();
  std::lock_guard l(mutex_);
  Window& w = windows_[key];
  if (w.ends <= now) w = Window{0, now + window};
  ++w.count;
  return {w.count, std::chrono::duration_cast<std::chrono::milliseconds>(w.ends - now)};
}

void MemoryCounters::reset_now(const std::string& key) {
  std::lock_guard l(mutex_);
  windows_.erase(key);
}

Task<Counters::Hit> MemoryCounters::hit(std::string key, std::chrono::milliseconds window) {
  co_return hit_now(key, window);
}

Task<void> MemoryCounters::reset(std::string key) {
  reset_now(key);
  co_return;
}

void MemoryCounters::prune() {
  const auto now = Clock::now();
  std::lock_guard l(mutex_);
  std::erase_if(windows_, [&](const auto& entry) { return entry.second.ends <= now; });
}

}  // namespace keel
