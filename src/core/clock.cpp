#include "core/clock.hpp"

namespace keel {
namespace {

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const noexcept override { return std::chrono::system_clock::now(); }
};

}  // namespace

std::int64_t Clock::unix_seconds() const noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
}

std::int64_t Clock::unix_ms() const noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
}

const Clock& Clock::system() noexcept {
  static const SystemClock clock;
  return clock;
}

}  // namespace keel
