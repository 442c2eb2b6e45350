#include "auth/rate_limiter.hpp"

namespace keel::auth {

using Clock = std::chrono::steady_clock;

std::pair<std::int64_t, std::chrono::milliseconds> MemoryCounters::hit(const std::string& key,
                                                                       std::chrono::milliseconds window) {
  const auto now = Clock::now();
  std::lock_guard l(mutex_);
  Window& w = windows_[key];
  if (w.ends <= now) w = Window{0, now + window};
  ++w.count;
  return {w.count, std::chrono::duration_cast<std::chrono::milliseconds>(w.ends - now)};
}

void MemoryCounters::reset(const std::string& key) {
  std::lock_guard l(mutex_);
  windows_.erase(key);
}

void MemoryCounters::prune() {
  const auto now = Clock::now();
  std::lock_guard l(mutex_);
  std::erase_if(windows_, [&](const auto& entry) { return entry.second.ends <= now; });
}

}  // namespace keel::auth
