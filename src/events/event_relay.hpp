#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/async.hpp"
#include "events/amqp_publisher.hpp"

namespace keel {
class BlockingPool;
class CounterCell;
class Gauge;
class HistogramCell;
class Metrics;
}  // namespace keel

namespace keel::events {

class EventLog;

struct EventRelayOptions {
  std::size_t batch = 500;                          // events per publish (one confirm wait)
  std::chrono::milliseconds retry_min{200};         // first wait after a failure
  std::chrono::milliseconds retry_max{5000};        // the back-off doubles up to this
  std::chrono::milliseconds liveness_period{2000};  // idle: how often the connection is checked
};

/// Publishes the event log to RabbitMQ (API.md §9): every sequenced event, in `seq` order, as a
/// persistent message on `keel.events`, at least once. How far it got (the last `seq` the broker
/// confirmed) is kept in the database, written only after the broker's confirms, so a crash or
/// an outage resends from there and loses nothing.
///
/// run() is one step, for a Background job (its own thread and loop, never an I/O thread): it
/// publishes everything pending, in batches, and returns. The blocking librabbitmq calls run on
/// the relay's own thread (a one-thread pool); the job's loop only awaits them. A broker that is
/// down, unreachable or slow makes run() return early and wait out a back-off (doubling up to
/// retry_max); writers never notice. The state change is logged once each way.
class EventRelay {
 public:
  EventRelay(EventLog& log, Metrics& metrics, AmqpPublisherOptions amqp, EventRelayOptions options = {});
  ~EventRelay();
  EventRelay(const EventRelay&) = delete;
  EventRelay& operator=(const EventRelay&) = delete;

  /// One step, as described above. Throws keel::Error when the database fails (the Background
  /// job logs it); broker failures are handled here.
  Task<void> run();

  /// "ok" while the broker answers, "down" from the first failure until a publish or a
  /// connection succeeds again; "down" until the first connection too.
  bool broker_up() const noexcept { return up_.load(std::memory_order_relaxed); }
  /// The last seq the broker confirmed (events up to it may be trimmed).
  std::int64_t published() const noexcept { return published_.load(std::memory_order_relaxed); }

  /// Closes the connection and stops the relay's thread; run() must not be running.
  void stop() noexcept;

 private:
  Task<bool> publish_pending();  // false: the broker failed
  Task<void> check_connection();
  void broker_failed(const std::string& why);
  void broker_answered();

  EventLog& log_;
  EventRelayOptions options_;
  AmqpPublisher publisher_;              // only ever used on thread_
  std::unique_ptr<BlockingPool> thread_;  // one thread: the relay's own
  std::atomic<bool> up_{false};
  std::atomic<std::int64_t> published_{0};
  bool loaded_ = false;     // published_ read from the database
  bool said_down_ = false;  // logged the current outage
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_try_{};
  std::chrono::steady_clock::time_point next_check_{};
  CounterCell& published_total_;
  Gauge& backlog_;
  HistogramCell& latency_;
};

}  // namespace keel::events
