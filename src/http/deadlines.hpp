#pragma once

// Private to src/http: socket timeouts without a timer per operation. Each connection records
// the deadline of its pending socket operation, and one sweeper per event loop cancels the
// operations that are past theirs.

#include <chrono>
#include <ctime>
#include <list>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/server.hpp"

namespace keel::http {

/// Now on the coarse monotonic clock. Deadlines only need to be right to a few milliseconds,
/// and the coarse clock reads for a fraction of the cost (it is read three times per request).
inline std::chrono::nanoseconds coarse_now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

inline constexpr auto kNoDeadline = std::chrono::nanoseconds::max();

/// One connection as its event loop's sweeper and Server::stop() see it. Only touched on that loop.
struct Connection {
  boost::asio::ip::tcp::socket* socket = nullptr;
  std::chrono::nanoseconds deadline = kNoDeadline;  // the pending socket operation's (coarse_now)
  bool idle = false;                                // waiting for a next request with nothing buffered
  bool timed_out = false;                           // the sweeper cancelled its operation
};

/// The connections of one event loop.
using Connections = std::list<Connection*>;

/// A point on the coarse_now() clock, for a deadline computed once and shared by several
/// socket operations (a request's header or body phase).
struct DeadlineAt {
  std::chrono::nanoseconds when;
};

/// Sets the deadline of the socket operation about to start; cleared when it completes.
class Deadline {
 public:
  /// This operation alone may take `d`.
  Deadline(Connection& c, std::chrono::milliseconds d) noexcept : c_(c) { c_.deadline = coarse_now() + d; }
  /// This operation must end by `at`, however long the operations before it took.
  Deadline(Connection& c, DeadlineAt at) noexcept : c_(c) { c_.deadline = at.when; }
  ~Deadline() { c_.deadline = kNoDeadline; }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  Connection& c_;
};

/// How often the sweeper looks: a fifth of the shortest timeout, within 10 ms .. 1 s.
std::chrono::milliseconds sweep_interval(const ServerOptions& options);

/// Every `interval`, cancels the pending operation of each of `connections` past its deadline
/// and marks it timed out. Runs on the loop that owns the list until its timer is cancelled
/// (the loop's end); deadlines still matter while shutting down.
boost::asio::awaitable<void> sweep_deadlines(const Connections& connections, std::chrono::milliseconds interval);

}  // namespace keel::http
