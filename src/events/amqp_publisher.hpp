#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "events/amqp_url.hpp"

struct amqp_connection_state_t_;
struct amqp_rpc_reply_t_;

namespace keel::events {

/// A failure to reach, log in to, or publish to the broker. `what()` says what failed and the
/// broker or library's reason, naming the broker by its URL without the password.
class AmqpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One message for the `keel.events` exchange.
struct AmqpMessage {
  std::string routing_key;
  std::string message_id;
  std::string body;  // JSON, sent as content_type application/json
};

/// Settings of an AmqpPublisher.
struct AmqpPublisherOptions {
  AmqpUrl url;
  std::string exchange = "keel.events";
  /// For TCP connect and for each step of the AMQP handshake (login, channel, declare).
  std::chrono::milliseconds connect_timeout{5000};
  /// For all of one publish(): writing the batch (a broker that stops reading, e.g. under a memory
  /// alarm, cannot hold the caller longer) and waiting until the broker confirmed all of it.
  std::chrono::milliseconds publish_timeout{10000};
};

/// A blocking RabbitMQ publisher in publisher-confirm mode, over librabbitmq: one connection, one
/// channel, the durable topic exchange `keel.events` declared on connect. Meant for a thread of its
/// own (never an I/O thread): every call blocks for up to its timeout. Not thread-safe.
///
/// publish() returns only once the broker confirmed every message of the batch (basic.ack); on a
/// nack, a timeout, a closed channel or connection it throws, drops the connection, and the caller
/// sends again from its last confirmed point (delivery is at least once) after reconnecting with
/// its own back-off.
class AmqpPublisher {
 public:
  /// Does not connect yet.
  explicit AmqpPublisher(AmqpPublisherOptions options);
  ~AmqpPublisher();
  AmqpPublisher(const AmqpPublisher&) = delete;
  AmqpPublisher& operator=(const AmqpPublisher&) = delete;

  /// Connects, logs in, opens the channel, declares the exchange and turns confirms on; a no-op
  /// when connected. (A host name is resolved first, without a time limit: the system resolver's.) Throws AmqpError (connection refused, timeout, login refused, unknown vhost,
  /// an exchange of that name with other settings, ...), leaving it disconnected.
  void connect();

  /// True after a successful connect() until a failure or reset().
  bool connected() const noexcept { return conn_ != nullptr; }

  /// Drops the connection (closing it politely when it still works, within a short timeout).
  void reset() noexcept;

  /// For an idle caller that must know whether the broker is there: connects when disconnected,
  /// else reads (without waiting) whatever the broker sent meanwhile. Throws AmqpError, and is
  /// then disconnected, when it can't connect or the broker closed the connection or channel.
  void check();

  /// Publishes `batch` in order (routing key, message_id, content_type application/json,
  /// persistent), connecting first if needed, and waits until the broker confirmed all of it.
  /// Throws AmqpError on a nack, publish_timeout, or lost channel or connection, and is then
  /// disconnected; messages of a failed batch may or may not have reached the broker.
  void publish(std::span<const AmqpMessage> batch);

  /// The broker, as in error messages: the URL without the password.
  const std::string& broker() const noexcept { return broker_; }

 private:
  [[noreturn]] void fail(const std::string& what);
  void check_rpc(const amqp_rpc_reply_t_& reply, const std::string& step);
  std::string pending_close();
  void await_confirms(std::uint64_t first, std::uint64_t last, std::chrono::steady_clock::time_point deadline);

  AmqpPublisherOptions options_;
  std::string broker_;
  amqp_connection_state_t_* conn_ = nullptr;
  bool healthy_ = false;         // the connection works: reset() may close it politely
  std::uint64_t published_ = 0;  // messages published on this channel: the last delivery tag
};

}  // namespace keel::events
