#include "cache/shared_counters.hpp"

#include <exception>
#include <string>
#include <vector>

#include "cache/redis_client.hpp"

namespace keel::cache {
namespace {

// KEYS[1] the counter, ARGV[1] the window in ms: the count after this hit and the ms left. A key
// that lost its expiry (never set by this script, but cheap to make sure) gets the window again.
constexpr const char* kHitScript = R"lua(
local n = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {n, left}
)lua";

std::string redis_key(const std::string& key) { return "keel:limit:" + key; }

}  // namespace

Task<Counters::Hit> SharedCounters::hit(std::string key, std::chrono::milliseconds window) {
  if (redis_.up()) {
    std::vector<std::string> args{"EVAL", kHitScript, "1", redis_key(key), std::to_string(window.count())};
    bool shared = false;
    Reply reply;
    try {
      reply = co_await redis_.command(std::move(args));
      shared = true;
    } catch (const std::exception&) {
      // Redis went away: this instance counts on its own until it is back (logged by the client).
    }
    if (shared && reply.type == Reply::Type::kArray && reply.elements.size() == 2 &&
        reply.elements[0].type == Reply::Type::kInteger && reply.elements[1].type == Reply::Type::kInteger) {
      co_return Hit{reply.elements[0].integer, std::chrono::milliseconds(reply.elements[1].integer)};
    }
  }
  co_return fallback_.hit_now(key, window);
}

Task<void> SharedCounters::reset(std::string key) {
  fallback_.reset_now(key);
  if (!redis_.up()) co_return;
  std::vector<std::string> args{"DEL", redis_key(key)};
  try {
    co_await redis_.command(std::move(args));
  } catch (const std::exception&) {
    // Down: the shared count expires with its window.
  }
}

}  // namespace keel::cache
