#pragma once
// The test side of RabbitMQ: the broker of scripts/with-rabbitmq.sh (KEEL_TEST_AMQP_URL, and
// KEEL_TEST_AMQP_CTL to stop and start it) and a consumer written with librabbitmq, to check
// what keel publishes. Tests using the broker take the ctest RESOURCE_LOCK `rabbitmq`.
#include <gtest/gtest.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "events/amqp_url.hpp"

namespace keel::test::amqp {

using events::AmqpUrl;
using events::parse_amqp_url;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline std::string text(amqp_bytes_t b) { return b.len == 0 ? std::string() : std::string(static_cast<const char*>(b.bytes), b.len); }
inline amqp_bytes_t bytes(const std::string& s) { return amqp_bytes_t{s.size(), const_cast<char*>(s.data())}; }

// The broker of scripts/with-rabbitmq.sh. make test always sets it: without it these tests fail.
inline AmqpUrl broker_url() {
  const char* url = std::getenv("KEEL_TEST_AMQP_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error("set KEEL_TEST_AMQP_URL (make test runs ctest under scripts/with-rabbitmq.sh)");
  }
  return parse_amqp_url(url);
}

inline void broker_ctl(const std::string& action) {
  const char* ctl = std::getenv("KEEL_TEST_AMQP_CTL");
  ASSERT_NE(ctl, nullptr) << "set KEEL_TEST_AMQP_CTL (make test runs ctest under scripts/with-rabbitmq.sh)";
  ASSERT_EQ(std::system((std::string(ctl) + " " + action).c_str()), 0) << action;
}

struct Received {
  std::string exchange;
  std::string routing_key;
  std::string message_id;
  std::string content_type;
  int delivery_mode = 0;
  std::string body;
};

// What TestConsumer declares.
struct QueueSetup {
  std::string exchange = "keel.events";
  std::string exchange_type = "topic";  // declared as the publisher declares it, so who comes first does not matter
  std::string durable_queue;             // a durable, non-exclusive queue of this name; else exclusive, server-named
  bool consume = true;                   // false: the queue only fills (see depth())
  int reject_over = 0;                   // > 0: the queue holds at most this many, the broker nacks what is past it
};

// A consumer on its own connection: a queue bound to the exchange with '#' (every routing key),
// consumed without acks. A durable queue outlives the connection and a broker restart.
class TestConsumer {
 public:
  explicit TestConsumer(const QueueSetup& setup = {}) {
    const AmqpUrl url = broker_url();
    conn_ = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
    if (socket == nullptr) throw std::runtime_error("consumer: no socket");
    const int opened = amqp_socket_open(socket, url.host.c_str(), url.port);
    if (opened != AMQP_STATUS_OK) throw std::runtime_error(std::string("consumer: connect: ") + amqp_error_string2(opened));
    check(amqp_login(conn_, url.vhost.c_str(), 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, url.user.c_str(), url.password.c_str()),
          "login");
    amqp_channel_open(conn_, 1);
    check(amqp_get_rpc_reply(conn_), "channel.open");
    amqp_exchange_declare(conn_, 1, bytes(setup.exchange), bytes(setup.exchange_type), 0, 1, 0, 0, amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "exchange.declare");

    amqp_table_entry_t args[2];
    amqp_table_t table = amqp_empty_table;
    if (setup.reject_over > 0) {
      args[0].key = amqp_cstring_bytes("x-max-length");
      args[0].value.kind = AMQP_FIELD_KIND_I32;
      args[0].value.value.i32 = setup.reject_over;
      args[1].key = amqp_cstring_bytes("x-overflow");
      args[1].value.kind = AMQP_FIELD_KIND_UTF8;
      args[1].value.value.bytes = amqp_cstring_bytes("reject-publish");
      table = amqp_table_t{.num_entries = 2, .entries = args};
    }
    const bool durable = !setup.durable_queue.empty();
    const amqp_queue_declare_ok_t* q = amqp_queue_declare(conn_, 1, durable ? bytes(setup.durable_queue) : amqp_empty_bytes,
                                                          0, durable, !durable, !durable, table);
    check(amqp_get_rpc_reply(conn_), "queue.declare");
    queue_ = text(q->queue);
    amqp_queue_bind(conn_, 1, bytes(queue_), bytes(setup.exchange), amqp_cstring_bytes("#"), amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "queue.bind");
    if (setup.consume) {
      amqp_basic_consume(conn_, 1, bytes(queue_), amqp_empty_bytes, 0, /*no_ack=*/1, 0, amqp_empty_table);
      check(amqp_get_rpc_reply(conn_), "basic.consume");
    }
  }

  ~TestConsumer() {
    amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn_);
  }
  TestConsumer(const TestConsumer&) = delete;
  TestConsumer& operator=(const TestConsumer&) = delete;

  // Up to `count` messages, waiting at most `timeout` in all; fewer when they do not come.
  std::vector<Received> receive(std::size_t count, std::chrono::milliseconds timeout = 10s) {
    std::vector<Received> out;
    const auto deadline = Clock::now() + timeout;
    while (out.size() < count && Clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
      const timeval tv{.tv_sec = left.count() / 1000000, .tv_usec = left.count() % 1000000};
      amqp_envelope_t envelope{};
      amqp_maybe_release_buffers(conn_);
      const amqp_rpc_reply_t reply = amqp_consume_message(conn_, &envelope, &tv, 0);
      if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) break;
      check(reply, "consume");
      const amqp_basic_properties_t& p = envelope.message.properties;
      out.push_back(Received{
          .exchange = text(envelope.exchange),
          .routing_key = text(envelope.routing_key),
          .message_id = (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) ? text(p.message_id) : "",
          .content_type = (p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) ? text(p.content_type) : "",
          .delivery_mode = (p._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) ? p.delivery_mode : 0,
          .body = text(envelope.message.body),
      });
      amqp_destroy_envelope(&envelope);
    }
    return out;
  }

  // Messages in the queue (of a queue that is not consumed: all it got).
  std::uint32_t depth() {
    const amqp_queue_declare_ok_t* q = amqp_queue_declare(conn_, 1, bytes(queue_), /*passive=*/1, 0, 0, 0, amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "queue.declare passive");
    return q->message_count;
  }

  void delete_queue() {
    amqp_queue_delete(conn_, 1, bytes(queue_), 0, 0);
    check(amqp_get_rpc_reply(conn_), "queue.delete");
  }

  void delete_exchange(const std::string& exchange) {
    amqp_exchange_delete(conn_, 1, bytes(exchange), 0);
    check(amqp_get_rpc_reply(conn_), "exchange.delete");
  }

 private:
  static void check(const amqp_rpc_reply_t& reply, const char* step) {
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) return;
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
      throw std::runtime_error(fmt::format("consumer: {}: {}", step, amqp_error_string2(reply.library_error)));
    }
    throw std::runtime_error(fmt::format("consumer: {}: broker reply {}", step, amqp_method_name(reply.reply.id)));
  }

  amqp_connection_state_t conn_ = nullptr;
  std::string queue_;
};


}  // namespace keel::test::amqp
