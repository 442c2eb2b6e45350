#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cache/redis_url.hpp"
#include "core/async.hpp"

namespace keel::cache {

/// A Redis reply, as hiredis's reader reads it.
struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  std::int64_t integer = 0;
  std::string text;  // string, status and error replies
  std::vector<Reply> elements;

  bool is_error() const noexcept { return type == Type::kError; }
};

struct RedisOptions {
  RedisEndpoint endpoint;
  /// Subscriber mode: the channels to SUBSCRIBE to on every (re)connect; messages go to
  /// `on_message` (channel, payload) on the client's thread, and `on_subscribed` runs after each
  /// (re)subscription (messages sent while it was away are lost: catch up from the truth there).
  /// Both must be quick and never throw. A subscriber connection takes no other commands.
  std::vector<std::string> subscribe;
  std::function<void(const std::string& channel, const std::string& payload)> on_message;
  std::function<void()> on_subscribed;
  std::chrono::milliseconds timeout{1'000};  // a command, a connect, a PING without an answer
  std::chrono::milliseconds health_period{2'000};  // PING while idle, so a silent loss shows
  std::chrono::milliseconds retry_max{1'000};      // the longest wait between reconnects
};

/// One pipelined connection to Redis, driven by its own thread's event loop (hiredis's reply
/// reader over an Asio socket): callers on any loop send commands without blocking; replies
/// come back in order. It connects (AUTH, SELECT) by itself and again after any failure, with
/// back-off up to `retry_max`; a PING every `health_period` finds a connection that went quiet.
/// While it is down, commands fail at once (never wait for it); `up()` says which, for /readyz.
/// A change of state is logged once.
class RedisClient {
 public:
  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  /// Sends one command (`args[0]` the command's name) and returns its reply (an error reply is a
  /// reply, not an exception). Throws Error::unavailable when Redis is down, the connection is
  /// lost before the reply, or no reply comes within the timeout (the connection is then
  /// dropped and made again: a late reply would answer the wrong command).
  Task<Reply> command(std::vector<std::string> args);

  /// Sends a command without waiting for its reply: fire and forget (lost while Redis is down).
  /// Thread-safe, never blocks or throws.
  void post(std::vector<std::string> args);
  /// post() of a PUBLISH.
  void publish(std::string channel, std::string message);

  /// Whether the connection is up (connected and answering).
  bool up() const noexcept;
  /// How many connections were made so far: a change means the connection was lost and made
  /// again in between (whatever was sent meanwhile may be lost).
  std::uint64_t connections() const noexcept;
  /// While down: makes the next connection attempt now (not after the back-off) and returns
  /// whether it succeeded (true at once when up; false when Redis can't be reached within about
  /// twice the timeout).
  Task<bool> reconnect_now();

  /// Closes the connection and joins the thread; commands after it fail. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::cache
