#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keel::cache {

/// Where a Redis server is, from `redis://[[user]:password@]host[:port][/db]` (API.md §12).
struct RedisEndpoint {
  std::string host;
  std::uint16_t port = 6379;
  std::string user;      // empty: the default user (AUTH with the password only)
  std::string password;  // empty: no AUTH
  int db = 0;

  /// The URL without the password, for logs.
  std::string display() const;
};

/// Parses a REDIS_URL; throws std::invalid_argument saying what is wrong (another scheme, no
/// host, a bad port or database number).
RedisEndpoint parse_redis_url(std::string_view url);

}  // namespace keel::cache
