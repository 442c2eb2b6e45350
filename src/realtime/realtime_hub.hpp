#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/async.hpp"
#include "lists/list_query.hpp"

namespace keel {
class Clock;
class CounterCell;
class Gauge;
class HistogramCell;
class Metrics;
}  // namespace keel
namespace keel::auth {
class Revocations;
class TokenService;
}  // namespace keel::auth
namespace keel::events {
class EventLog;
}
namespace keel::http {
class Upgrade;
}
namespace keel::resources {
class Model;
struct Resource;
}
namespace keel::users {
class UserStore;
}

namespace keel::realtime {

struct HubOptions {
  std::size_t max_subscriptions = 100;           // per connection (API.md §10)
  std::size_t max_message_bytes = 64 * 1024;     // a client message; bigger closes with 1009
  std::size_t max_queued_bytes = 4 << 20;        // unsent server messages; past it: close 1013
  std::chrono::seconds token_grace{30};          // after TOKEN_EXPIRED, before close 4401
};

class Peer;

/// Realtime (API.md §10): WebSocket connections, their subscriptions, and the delivery of the
/// event log to them. Events come from the log itself (follow(), woken after local commits and
/// run periodically for other instances' commits), so a subscriber misses nothing that
/// committed. Each event goes only to the connections whose subscriptions may concern it (the
/// hub indexes them by resource, and by owner for those that see only their own records), and
/// is checked there against the subscriber's access and filter on the connection's own event
/// loop (no database query per event per subscriber).
class Hub {
 public:
  /// Token expiry is judged by `clock` (the TokenService's).
  Hub(const resources::Model& model, const lists::CursorCodec& cursors, auth::TokenService& tokens,
      auth::Revocations& revocations, events::EventLog& log, users::UserStore& users, Metrics& metrics,
      const Clock& clock, HubOptions options = {});
  ~Hub();

  /// A new connection's handler (a 101 response carries it).
  std::shared_ptr<http::Upgrade> connect();

  /// Where delivery starts: the log's head now. Call once before serving.
  Task<void> start();
  /// Delivers the events committed since the last call (background job; never on an I/O thread).
  Task<void> follow();
  /// Closes connections whose session was revoked (4401) or whose token expired more than the
  /// grace ago (4401), and tells those whose token just expired (TOKEN_EXPIRED). Cheap (only
  /// the connections concerned hear of it); run every 100 ms or so, and after a revocation.
  void check_sessions();
  /// Closes every connection with 1001 (shutdown).
  void stop();

  /// The seq up to which events have been handed to connections.
  std::int64_t dispatched() const noexcept { return dispatched_.load(); }

 private:
  friend class Peer;
  struct Registry;
  // A connection's subscriptions join the audience of their resource: `owner` empty for those
  // that see every record, else the one owner whose records they may see. join() returns the
  // seq after which events reach the connection.
  void add(const std::shared_ptr<Peer>& peer);
  std::int64_t join(Peer& peer, const resources::Resource& r, const std::string& owner);
  void leave(Peer& peer, const resources::Resource& r, const std::string& owner);
  void rejoin(Peer& peer, const resources::Resource& r, const std::string* from, const std::string* to);
  void watch(Peer& peer, std::string session_id, std::int64_t expires_at);
  void remove(Peer* peer);

  const resources::Model& model_;
  const lists::CursorCodec& cursors_;
  auth::TokenService& tokens_;
  auth::Revocations& revocations_;
  events::EventLog& log_;
  users::UserStore& users_;
  const Clock& clock_;
  HubOptions options_;
  Gauge& connections_;
  CounterCell& delivered_;
  CounterCell& closed_slow_;
  HistogramCell& latency_;
  std::atomic<std::int64_t> dispatched_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::unique_ptr<Registry> registry_;  // guarded by mutex_
};

}  // namespace keel::realtime
