#pragma once

#include <chrono>
#include <cstdint>

namespace keel {

/// The wall clock that time-based rules read (token expiry, session lifetimes, the refresh
/// grace, revocation windows). Passed in rather than read from the system where it is used, so
/// tests move time forward instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const noexcept = 0;

  /// Seconds since the Unix epoch (JWT `iat`/`exp`).
  std::int64_t unix_seconds() const noexcept;
  /// Milliseconds since the Unix epoch (session and revocation times).
  std::int64_t unix_ms() const noexcept;

  /// The system clock; lives as long as the program.
  static const Clock& system() noexcept;
};

}  // namespace keel
