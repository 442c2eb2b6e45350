// keel_test_amqp_queue: the test broker's queues for shell tests (tests/cli/crash_test.sh), with the
// consumer of tests/support/amqp_consumer.hpp. The broker is KEEL_TEST_AMQP_URL (make test sets it by
// running ctest under scripts/with-rabbitmq.sh); without it every command fails.
//   declare QUEUE                  a durable queue QUEUE bound to keel.events with '#' (every event);
//                                  it fills from now on, also while nobody consumes it
//   drain QUEUE COUNT TIMEOUT_S    takes messages off QUEUE until COUNT came (or TIMEOUT_S seconds
//                                  passed), then whatever else comes until it is quiet for half a
//                                  second (the broker pushes a consumer everything it has, so what
//                                  is past COUNT is taken too, never lost unread), and prints one
//                                  line per message: <routing key> TAB <message id> TAB <recordId
//                                  of the body, or the whole body when it has none>
//   delete QUEUE                   deletes QUEUE (and what is left in it)
// Exit code 0 on success (drain: also when fewer than COUNT came), 1 on a broker error, 2 on bad usage.
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "support/amqp_consumer.hpp"

namespace {

using keel::test::amqp::QueueSetup;
using keel::test::amqp::Received;
using keel::test::amqp::TestConsumer;

int usage() {
  std::cerr << "usage: keel_test_amqp_queue declare QUEUE | drain QUEUE COUNT TIMEOUT_S | delete QUEUE\n";
  return 2;
}

// The event's recordId (API.md §9), or the body as it came when it is not such an event.
std::string record_id(const std::string& body) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (const auto* id = v.as_object().if_contains("recordId"); id != nullptr && id->is_string()) {
      return std::string(id->as_string());
    }
  }
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string command = argv[1];
  QueueSetup setup{.durable_queue = argv[2], .consume = false};
  try {
    if (command == "declare" && argc == 3) {
      TestConsumer queue(setup);
      return 0;
    }
    if (command == "delete" && argc == 3) {
      TestConsumer queue(setup);
      queue.delete_queue();
      return 0;
    }
    if (command == "drain" && argc == 5) {
      const long count = std::strtol(argv[3], nullptr, 10);
      const long timeout_s = std::strtol(argv[4], nullptr, 10);
      if (count <= 0 || timeout_s <= 0) return usage();
      setup.consume = true;
      TestConsumer queue(setup);
      std::vector<Received> got = queue.receive(static_cast<std::size_t>(count), std::chrono::seconds(timeout_s));
      for (;;) {
        for (const Received& m : got) std::cout << m.routing_key << '\t' << m.message_id << '\t' << record_id(m.body) << '\n';
        if (got.empty()) break;
        got = queue.receive(1'000'000, std::chrono::milliseconds(500));
      }
      return std::cout.flush() ? 0 : 1;
    }
    return usage();
  } catch (const std::exception& e) {
    std::cerr << "keel_test_amqp_queue " << command << ' ' << argv[2] << ": " << e.what() << '\n';
    return 1;
  }
}
