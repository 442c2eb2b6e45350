#include "events/event_relay.hpp"

#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/blocking_pool.hpp"
#include "core/metrics.hpp"
#include "events/event_log.hpp"

namespace keel::events {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

EventRelay::EventRelay(EventLog& log, Metrics& metrics, AmqpPublisherOptions amqp, EventRelayOptions options)
    : log_(log),
      options_(options),
      publisher_(std::move(amqp)),
      // One thread, and one job at a time: run() awaits each call before the next.
      thread_(std::make_unique<BlockingPool>(1, 4)),
      published_total_(metrics.counter("keel_events_published_total", "Events the broker confirmed.").series({})),
      backlog_(metrics.gauge("keel_events_backlog", "Events committed but not yet confirmed by the broker.")),
      latency_(metrics.histogram("keel_events_publish_seconds", "Time from sending a batch of events to the broker's confirms.", {})
                   .series({})) {}

EventRelay::~EventRelay() { stop(); }

void EventRelay::stop() noexcept {
  if (!thread_) return;
  thread_->stop();
  publisher_.reset();  // the thread is gone: this one may touch the publisher now
  thread_.reset();
}

Task<void> EventRelay::run() {
  if (!loaded_) {
    const std::int64_t start = co_await log_.relay_start();
    published_.store(start, std::memory_order_relaxed);
    loaded_ = true;
  }
  // The backlog shows on /metrics also while the broker is away.
  const std::int64_t head = co_await log_.head_seq();
  backlog_.set(std::max<std::int64_t>(0, head - published()));
  if (Clock::now() < next_try_) co_return;  // waiting out a back-off
  const bool delivered = co_await publish_pending();
  if (delivered && Clock::now() >= next_check_) co_await check_connection();
}

Task<bool> EventRelay::publish_pending() {
  for (;;) {
    const std::int64_t from = published();
    std::vector<LoggedEvent> events = co_await log_.after(from, static_cast<std::int64_t>(options_.batch));
    if (events.empty()) co_return true;

    std::vector<AmqpMessage> batch;
    batch.reserve(events.size());
    for (LoggedEvent& e : events) batch.push_back({std::move(e.type), std::move(e.id), std::move(e.json)});
    const auto sent = Clock::now();
    try {
      co_await thread_->run_always([&] { publisher_.publish(batch); });
    } catch (const AmqpError& e) {
      broker_failed(e.what());
      co_return false;
    }
    latency_.observe(seconds_since(sent));
    broker_answered();
    // Only now, after the confirms: a crash before this line sends the batch again (at least
    // once), never skips it.
    const std::int64_t through = events.back().seq;
    co_await log_.set_published_through(through);
    published_.store(through, std::memory_order_relaxed);
    published_total_.inc(static_cast<double>(events.size()));
    backlog_.set(std::max<std::int64_t>(0, backlog_.value() - static_cast<std::int64_t>(events.size())));
  }
}

Task<void> EventRelay::check_connection() {
  next_check_ = Clock::now() + options_.liveness_period;
  try {
    // Connects when disconnected (so "down" turns "ok" when the broker returns, even with
    // nothing to send), else looks for a close the broker sent while we were idle.
    co_await thread_->run_always([&] { publisher_.check(); });
    broker_answered();
  } catch (const AmqpError& e) {
    broker_failed(e.what());
  }
}

void EventRelay::broker_failed(const std::string& why) {
  up_.store(false, std::memory_order_relaxed);
  backoff_ = std::clamp(backoff_ * 2, options_.retry_min, options_.retry_max);
  next_try_ = Clock::now() + backoff_;
  next_check_ = next_try_;
  if (!said_down_) {
    spdlog::warn("events: the broker is not taking events ({}); writes go on, and the relay retries with "
                 "back-off up to {} ms and publishes the backlog (from seq {}) when it returns",
                 why, options_.retry_max.count(), published() + 1);
    said_down_ = true;
  } else {
    spdlog::debug("events: the broker still fails: {}", why);
  }
}

void EventRelay::broker_answered() {
  const bool was_down = said_down_;
  up_.store(true, std::memory_order_relaxed);
  backoff_ = std::chrono::milliseconds(0);
  said_down_ = false;
  if (was_down) spdlog::info("events: the broker ({}) takes events again; publishing from seq {}", publisher_.broker(), published() + 1);
}

}  // namespace keel::events
