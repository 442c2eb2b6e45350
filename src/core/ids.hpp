#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keel {

/// A new UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then CSPRNG bits; lowercase, 36 chars.
std::string new_uuid_v7();
/// The same, for the instant `now` (tests show the time ordering without waiting for the clock).
std::string new_uuid_v7(std::chrono::system_clock::time_point now);

/// Lowercase hex of `n` bytes.
std::string to_hex(const unsigned char* data, std::size_t n);

/// True when `s` is a lowercase hyphenated UUID of any version.
bool is_uuid(std::string_view s) noexcept;

using SystemTime = std::chrono::system_clock::time_point;

/// RFC 3339 UTC with milliseconds, e.g. "2026-11-24T03:55:23.123Z".
std::string format_timestamp(SystemTime t);

/// Appends format_timestamp(t) to `out`.
void append_timestamp(std::string& out, SystemTime t);

/// Milliseconds since the Unix epoch, now (for stored times that are compared, not shown).
std::int64_t now_unix_ms();

/// An RFC 3339 date-time ("2026-11-24T04:55:23.123+01:00", fraction and offset as RFC 3339
/// allows) as format_timestamp renders it: UTC, milliseconds (finer digits are truncated).
/// std::nullopt when the text is not a valid RFC 3339 date-time of years 0001-9999.
std::optional<std::string> normalise_timestamp(std::string_view text);
/// The current time as format_timestamp renders it.
std::string now_timestamp();

}  // namespace keel
