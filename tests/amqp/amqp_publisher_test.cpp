// events::AmqpPublisher against the real broker of scripts/with-rabbitmq.sh (KEEL_TEST_AMQP_URL),
// checked by a consumer written with librabbitmq here. One test stops and starts that broker
// (KEEL_TEST_AMQP_CTL), so ctest runs these tests one at a time (RESOURCE_LOCK rabbitmq).
#include <gtest/gtest.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "events/amqp_publisher.hpp"
#include "support/amqp_consumer.hpp"

namespace keel::events {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using namespace keel::test::amqp;  // NOLINT: the broker helpers of every test here

std::vector<AmqpMessage> make_batch(std::size_t count, std::size_t first = 0, const std::string& type = "tasks.created") {
  std::vector<AmqpMessage> batch;
  for (std::size_t i = first; i < first + count; ++i) {
    const std::string id = new_uuid_v7();
    batch.push_back({.routing_key = type, .message_id = id, .body = fmt::format(R"({{"id":"{}","seq":{}}})", id, i + 1)});
  }
  return batch;
}

AmqpPublisherOptions options() { return AmqpPublisherOptions{.url = broker_url()}; }

// Expects `f` to throw AmqpError; returns its message and how long it took.
template <typename F>
std::pair<std::string, Clock::duration> expect_amqp_error(F&& f) {
  const auto started = Clock::now();
  try {
    f();
  } catch (const AmqpError& e) {
    return {e.what(), Clock::now() - started};
  }
  ADD_FAILURE() << "no AmqpError";
  return {"", Clock::now() - started};
}

TEST(AmqpPublisher, TheConsumerGetsEachMessageWithItsIdContentTypeRoutingKeyAndPersistence) {
  TestConsumer consumer;
  AmqpPublisher publisher(options());
  EXPECT_FALSE(publisher.connected());
  std::vector<AmqpMessage> batch = make_batch(1, 0, "tasks.created");
  for (const char* type : {"users.updated", "auth.logged_in", "tasks.deleted"}) batch.push_back(make_batch(1, batch.size(), type)[0]);
  publisher.publish(batch);
  EXPECT_TRUE(publisher.connected());

  const std::vector<Received> got = consumer.receive(batch.size());
  ASSERT_EQ(got.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(got[i].exchange, "keel.events");
    EXPECT_EQ(got[i].routing_key, batch[i].routing_key);
    EXPECT_EQ(got[i].message_id, batch[i].message_id);
    EXPECT_EQ(got[i].content_type, "application/json");
    EXPECT_EQ(got[i].delivery_mode, 2) << "persistent";
    EXPECT_EQ(got[i].body, batch[i].body);
  }
  EXPECT_TRUE(consumer.receive(1, 200ms).empty()) << "nothing more";
}

TEST(AmqpPublisher, AThousandMessagesInBatchesAreAllConfirmedAndArriveInOrder) {
  TestConsumer consumer;
  AmqpPublisher publisher(options());
  std::vector<AmqpMessage> all;
  for (std::size_t first = 0; first < 1000; first += 125) {
    const std::vector<AmqpMessage> batch = make_batch(125, first);
    publisher.publish(batch);  // returns only once the broker confirmed all 125
    all.insert(all.end(), batch.begin(), batch.end());
  }
  const std::vector<Received> got = consumer.receive(all.size());
  ASSERT_EQ(got.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(got[i].message_id, all[i].message_id) << "message " << i;
    ASSERT_EQ(got[i].body, all[i].body) << "message " << i;
  }
}

TEST(AmqpPublisher, WhenPublishReturnsTheBrokerHoldsEveryMessageOfTheBatch) {
  // No consumer on this queue: its depth is everything routed to it. publish() returns only after
  // the broker's confirms, so at that moment the queue holds the whole batch, not part of it.
  AmqpPublisherOptions opts = options();
  opts.exchange = "keel.test.depth-" + new_uuid_v7();
  TestConsumer counter({.exchange = opts.exchange, .consume = false});
  AmqpPublisher publisher(opts);
  std::uint32_t published = 0;
  for (int i = 0; i < 4; ++i) {
    publisher.publish(make_batch(250, published));
    published += 250;
    EXPECT_EQ(counter.depth(), published) << "after batch " << i;
  }
}

TEST(AmqpPublisher, ANackFromTheBrokerFailsTheBatch) {
  // A queue that takes 5 messages and rejects the rest (x-overflow reject-publish): the broker
  // nacks the 6th message, and publish() must not report the batch as delivered. The broker may
  // nack it alone or with the ones after it ("multiple"), depending on how it batches its confirms.
  AmqpPublisherOptions opts = options();
  opts.exchange = "keel.test.nack-" + new_uuid_v7();
  TestConsumer full({.exchange = opts.exchange, .consume = false, .reject_over = 5});
  AmqpPublisher publisher(opts);
  const auto [message, took] = expect_amqp_error([&] { publisher.publish(make_batch(10)); });
  const bool alone = message.find("refused (basic.nack) message 6 of the batch") != std::string::npos;
  const bool multiple =
      message.find("refused (basic.nack) messages up to ") != std::string::npos;
  EXPECT_TRUE(alone || multiple) << message;
  EXPECT_FALSE(publisher.connected());
  EXPECT_EQ(full.depth(), 5u);
}

// Raises the broker's memory alarm for as long as it lives: the broker stops reading from
// publishing connections. Cleared even when the test fails, so the tests after it have a broker.
class MemoryAlarm {
 public:
  MemoryAlarm() { broker_ctl("block"); }
  ~MemoryAlarm() { broker_ctl("unblock"); }
  MemoryAlarm(const MemoryAlarm&) = delete;
  MemoryAlarm& operator=(const MemoryAlarm&) = delete;
};

TEST(AmqpPublisher, ABrokerThatStopsTakingMessagesFailsThePublishAtItsTimeoutInsteadOfHanging) {
  AmqpPublisherOptions opts = options();
  opts.exchange = "keel.test.blocked-" + new_uuid_v7();  // no queues: nothing of this lands anywhere
  opts.publish_timeout = 1s;
  AmqpPublisher publisher(opts);
  publisher.connect();
  {
    MemoryAlarm alarm;
    // A small batch fits in the socket buffers; its confirms never come.
    auto [message, took] = expect_amqp_error([&] { publisher.publish(make_batch(3)); });
    EXPECT_GE(took, 900ms) << message;
    EXPECT_LT(took, 3s) << message;
    EXPECT_NE(message.find("the broker confirmed 0 of 3 messages within 1000 ms"), std::string::npos) << message;
    EXPECT_FALSE(publisher.connected());

    // A big one (300 x 64 KiB) fills them: the write itself must give up at the deadline.
    std::vector<AmqpMessage> big = make_batch(300);
    for (AmqpMessage& m : big) m.body = std::string(64 * 1024, 'x');
    std::tie(message, took) = expect_amqp_error([&] { publisher.publish(big); });
    EXPECT_GE(took, 900ms) << message;
    EXPECT_LT(took, 3s) << message;
    EXPECT_NE(message.find("the broker took no more data for 1000 ms"), std::string::npos) << message;
    EXPECT_FALSE(publisher.connected());
  }
  publisher.publish(make_batch(3));  // the alarm cleared: a new connection publishes again
  EXPECT_TRUE(publisher.connected());
}

TEST(AmqpPublisher, ABrokerOutageFailsPublishQuicklyAndAfterItANewConnectionDelivers) {
  // A durable queue, bound before the outage: it and its persistent messages survive the broker's stop.
  const std::string queue = "keel-test-outage-" + new_uuid_v7();
  std::vector<AmqpMessage> before = make_batch(20, 0);
  { TestConsumer bind_only({.durable_queue = queue}); }
  AmqpPublisher publisher(options());
  publisher.publish(before);

  broker_ctl("stop");
  const std::vector<AmqpMessage> during = make_batch(20, 20);
  // The broker closed our connection when it stopped: the next publish finds out, and says why.
  auto [message, took] = expect_amqp_error([&] { publisher.publish(during); });
  EXPECT_LT(took, 3s) << message;
  EXPECT_FALSE(publisher.connected());
  EXPECT_NE(message.find(publisher.broker()), std::string::npos) << message;
  EXPECT_NE(message.find("the broker closed the connection (320: CONNECTION_FORCED"), std::string::npos) << message;
  // Reconnecting while it is down: refused at once, not hanging.
  std::tie(message, took) = expect_amqp_error([&] { publisher.publish(during); });
  EXPECT_LT(took, 3s) << message;
  EXPECT_NE(message.find("could not connect"), std::string::npos) << message;
  EXPECT_FALSE(publisher.connected());

  broker_ctl("start");
  publisher.reset();
  publisher.publish(during);  // a new connection: exchange declared again, confirms on again
  EXPECT_TRUE(publisher.connected());

  TestConsumer consumer({.durable_queue = queue});
  const std::vector<Received> got = consumer.receive(40);
  ASSERT_EQ(got.size(), 40u);
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(got[i].message_id, before[i].message_id) << i;
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(got[20 + i].message_id, during[i].message_id) << i;
  EXPECT_EQ(got[0].delivery_mode, 2);
  consumer.delete_queue();
}

TEST(AmqpPublisher, CheckSeesAnIdleConnectionClosedByAStoppingBrokerAndReconnectsWhenItIsBack) {
  // What an idle relay relies on to report the broker in /readyz.
  AmqpPublisher publisher(options());
  publisher.check();  // connects
  EXPECT_TRUE(publisher.connected());
  publisher.check();  // nothing happened: still fine
  broker_ctl("stop");
  auto [message, took] = expect_amqp_error([&] { publisher.check(); });
  EXPECT_LT(took, 3s) << message;
  EXPECT_NE(message.find("CONNECTION_FORCED"), std::string::npos) << message;
  EXPECT_FALSE(publisher.connected());
  std::tie(message, took) = expect_amqp_error([&] { publisher.check(); });
  EXPECT_NE(message.find("could not connect"), std::string::npos) << message;
  broker_ctl("start");
  publisher.check();
  EXPECT_TRUE(publisher.connected());
}

TEST(AmqpPublisher, AChannelClosedByTheBrokerFailsThePublishAndTheNextOneReconnects) {
  // An exchange deleted under a connected publisher: the broker closes its channel (404) at the
  // next publish. The next call connects anew, which declares the exchange again.
  AmqpPublisherOptions opts = options();
  opts.exchange = "keel.test.deleted-" + new_uuid_v7();
  AmqpPublisher publisher(opts);
  publisher.connect();
  {
    TestConsumer admin({.exchange = opts.exchange});
    admin.delete_exchange(opts.exchange);
  }
  const auto [message, took] = expect_amqp_error([&] { publisher.publish(make_batch(3)); });
  EXPECT_NE(message.find("closed the channel (404: NOT_FOUND"), std::string::npos) << message;
  EXPECT_LT(took, 3s);
  EXPECT_FALSE(publisher.connected());

  TestConsumer consumer({.exchange = opts.exchange});
  const std::vector<AmqpMessage> batch = make_batch(3);
  publisher.publish(batch);
  const std::vector<Received> got = consumer.receive(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].message_id, batch[2].message_id);
}

TEST(AmqpPublisher, AWrongPasswordIsAClearErrorWithoutThePassword) {
  AmqpPublisherOptions opts = options();
  opts.url.password = "not-the-password";
  AmqpPublisher publisher(opts);
  const auto [message, took] = expect_amqp_error([&] { publisher.connect(); });
  EXPECT_NE(message.find("login"), std::string::npos) << message;
  EXPECT_NE(message.find("ACCESS_REFUSED"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-password"), std::string::npos) << message;
  EXPECT_FALSE(publisher.connected());
}

TEST(AmqpPublisher, AnUnknownVhostIsAClearError) {
  AmqpPublisherOptions opts = options();
  opts.url.vhost = "no-such-vhost";
  AmqpPublisher publisher(opts);
  const auto [message, took] = expect_amqp_error([&] { publisher.connect(); });
  EXPECT_NE(message.find("no-such-vhost"), std::string::npos) << message;
  EXPECT_NE(message.find("NOT_ALLOWED"), std::string::npos) << message;
}

TEST(AmqpPublisher, AnExchangeOfThatNameWithOtherSettingsIsAClearError) {
  const std::string exchange = "keel.test.fanout-" + new_uuid_v7();
  TestConsumer fanout({.exchange = exchange, .exchange_type = "fanout"});
  AmqpPublisherOptions opts = options();
  opts.exchange = exchange;
  AmqpPublisher publisher(opts);
  const auto [message, took] = expect_amqp_error([&] { publisher.connect(); });
  EXPECT_NE(message.find("exchange.declare " + exchange), std::string::npos) << message;
  EXPECT_NE(message.find("406: PRECONDITION_FAILED"), std::string::npos) << message;
  EXPECT_FALSE(publisher.connected());
}

// A TCP port on 127.0.0.1 that accepts connections (the kernel completes them: backlog) but never
// says a word, like a hung broker; or, with listen = false, a port where nothing listens.
class SilentPort {
 public:
  explicit SilentPort(bool listen) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || (listen && ::listen(fd_, 8) != 0)) {
      throw std::runtime_error("no test socket");
    }
    port_ = ntohs(addr.sin_port);  // bound but not listening: connecting is refused
  }
  ~SilentPort() { ::close(fd_); }
  SilentPort(const SilentPort&) = delete;
  SilentPort& operator=(const SilentPort&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST(AmqpPublisher, NothingListeningIsRefusedAtOnceNamingTheBroker) {
  SilentPort closed(false);
  AmqpPublisherOptions opts{.url = parse_amqp_url(fmt::format("amqp://guest:secret@127.0.0.1:{}/", closed.port()))};
  AmqpPublisher publisher(opts);
  const auto [message, took] = expect_amqp_error([&] { publisher.publish(make_batch(1)); });
  EXPECT_LT(took, 2s);
  EXPECT_NE(message.find(fmt::format("amqp://guest@127.0.0.1:{}/: could not connect", closed.port())), std::string::npos)
      << message;
  EXPECT_EQ(message.find("secret"), std::string::npos) << message;
}

TEST(AmqpPublisher, ABrokerThatNeverAnswersTimesOutInsteadOfHanging) {
  SilentPort silent(true);
  AmqpPublisherOptions opts{.url = parse_amqp_url(fmt::format("amqp://guest:guest@127.0.0.1:{}/", silent.port())),
                            .connect_timeout = 500ms};
  AmqpPublisher publisher(opts);
  const auto [message, took] = expect_amqp_error([&] { publisher.connect(); });
  EXPECT_GE(took, 400ms) << message;
  EXPECT_LT(took, 3s) << message;
  EXPECT_NE(message.find("login"), std::string::npos) << message;
  EXPECT_NE(message.find("timed out"), std::string::npos) << message;
}

}  // namespace
}  // namespace keel::events
