#include "core/ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "core/text_rules.hpp"

namespace keel {

namespace {

// CSPRNG bytes fetched 4 KiB at a time: one RAND_bytes call (with its locking and getpid)
// per ~400 ids instead of one per id.
void random_bytes(unsigned char* out, std::size_t n) {
  thread_local std::array<unsigned char, 4096> pool;
  thread_local std::size_t used = pool.size();
  if (used + n > pool.size()) {
    if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) {
      // Without a CSPRNG no id can be trusted to be unique; this ends the request as a 500.
      throw std::runtime_error("RAND_bytes failed");
    }
    used = 0;
  }
  std::memcpy(out, pool.data() + used, n);
  std::memset(pool.data() + used, 0, n);  // bytes handed out are not kept
  used += n;
}

}  // namespace

std::string new_uuid_v7() { return new_uuid_v7(std::chrono::system_clock::now()); }

std::string new_uuid_v7(std::chrono::system_clock::time_point now) {
  std::array<unsigned char, 16> b{};
  random_bytes(b.data() + 6, 10);
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  b[6] = static_cast<unsigned char>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));  // RFC 9562 variant

  char text[36];
  char* p = text;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = kHexDigits[b[i] >> 4];
    *p++ = kHexDigits[b[i] & 0x0f];
  }
  return std::string(text, sizeof text);
}

std::string to_hex(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHexDigits[data[i] >> 4]);
    out.push_back(kHexDigits[data[i] & 0x0f]);
  }
  return out;
}

bool is_uuid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string format_timestamp(SystemTime t) {
  std::string out;
  out.reserve(24);
  append_timestamp(out, t);
  return out;
}

void append_timestamp(std::string& out, SystemTime t) {
  const auto ms_total = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const auto floor_div = [](long long a, long long b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); };
  const long long secs = floor_div(ms_total, 1000);
  const int ms = static_cast<int>(ms_total - secs * 1000);
  // The date and time to the second change once a second; format them once per thread.
  thread_local long long cached_secs = std::numeric_limits<long long>::min();
  thread_local std::string cached;  // "YYYY-MM-DDTHH:MM:SS."
  if (secs != cached_secs) {
    const std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    cached = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_secs = secs;
  }
  out.append(cached);
  out.push_back(static_cast<char>('0' + ms / 100));
  out.push_back(static_cast<char>('0' + ms / 10 % 10));
  out.push_back(static_cast<char>('0' + ms % 10));
  out.push_back('Z');
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string now_timestamp() { return format_timestamp(std::chrono::system_clock::now()); }

}  // namespace keel

namespace keel {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long long days_from_civil(long long y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) noexcept {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::string> normalise_timestamp(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, hour) || s[13] != ':' ||
      !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1] + (month == 2 && leap) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  std::size_t at = 19;
  int millis = 0;
  if (at < s.size() && s[at] == '.') {
    ++at;
    const std::size_t first = at;
    int scale = 100;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      millis += (s[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == first || at - first > 9) return std::nullopt;
  }
  long long offset_minutes = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' || !digits(s, at + 4, 2, om) || oh > 23 ||
        om > 59) {
      return std::nullopt;
    }
    offset_minutes = (oh * 60 + om) * (s[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size()) return std::nullopt;
  const long long days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const long long ms = ((days * 86400 + hour * 3600 + minute * 60 + second) - offset_minutes * 60) * 1000 + millis;
  const SystemTime t{std::chrono::milliseconds(ms)};
  // An offset may carry the instant outside years 1-9999, which would not format back.
  static const long long kMin = days_from_civil(1, 1, 1) * 86400000LL;
  static const long long kMax = days_from_civil(10000, 1, 1) * 86400000LL;
  if (ms < kMin || ms >= kMax) return std::nullopt;
  return format_timestamp(t);
}

}  // namespace keel
