// The RabbitMQ relay through real HTTP and the real broker of scripts/with-rabbitmq.sh (API.md §9):
// every event published to keel.events in seq order with its envelope; a broker outage loses
// nothing and shows in /readyz; /metrics counts what was published. On SQLite and PostgreSQL
// (the "postgres." copies). Tests here take the ctest RESOURCE_LOCK rabbitmq: one stops the broker.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>

#include "core/ids.hpp"
#include "resource_fixtures.hpp"
#include "support/amqp_consumer.hpp"

namespace keel::test {
namespace {

using fixtures::Account;
using fixtures::json_text;
using namespace keel::test::amqp;

// keel with the relay on, publishing to the test broker.
std::unique_ptr<TestServer> relay_server() {
  return std::make_unique<TestServer>([](app::Config& c) {
    fixtures::configure(c, fixtures::default_resources());
    const char* url = std::getenv("KEEL_TEST_AMQP_URL");
    if (url == nullptr) throw std::runtime_error("set KEEL_TEST_AMQP_URL (make test runs ctest under scripts/with-rabbitmq.sh)");
    c.amqp_url = url;
  });
}

std::string readyz_broker(HttpClient& client) {
  const HttpResponse res = client.get("/readyz");
  EXPECT_EQ(res.status, 200) << res.body;  // the broker never makes keel unready
  const auto body = res.json().as_object();
  const auto* broker = body.at("checks").as_object().if_contains("broker");
  return broker ? std::string(broker->as_string()) : std::string("(absent)");
}

// Polls /readyz until the broker shows `state`; returns how long it took (or the deadline).
std::chrono::milliseconds await_broker(HttpClient& client, const std::string& state, std::chrono::seconds limit) {
  const auto start = Clock::now();
  while (readyz_broker(client) != state && Clock::now() - start < limit) std::this_thread::sleep_for(50ms);
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// Every event the log holds after `since`, as GET /api/events shows them.
boost::json::array logged_events(HttpClient& client, const Account& admin, std::int64_t since = 0) {
  boost::json::array out;
  for (;;) {
    const HttpResponse res = client.get("/api/events?limit=1000&since=" + std::to_string(since), admin.bearer());
    EXPECT_EQ(res.status, 200) << res.body;
    if (res.status != 200) return out;
    const auto body = res.json().as_object();
    const auto& data = body.at("data").as_array();
    for (const auto& e : data) out.push_back(e);
    if (data.empty()) return out;
    since = body.at("meta").at("nextSince").as_int64();
  }
}

double metric(HttpClient& client, const std::string& name) {
  const std::string text = client.get("/metrics").body;
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

// The relay counts a batch once the database recorded it as published, a moment after the
// consumer may have it, and refreshes the backlog every step (200 ms): a short wait for that.
double metric_reaching(HttpClient& client, const std::string& name, const std::function<bool(double)>& good) {
  double value = metric(client, name);
  for (const auto until = Clock::now() + 3s; !good(value) && Clock::now() < until; value = metric(client, name)) {
    std::this_thread::sleep_for(20ms);
  }
  return value;
}

TEST(Relay, EveryEventReachesTheBrokerAsLoggedInSeqOrderWithItsProperties) {
  TestConsumer consumer;  // bound before keel writes anything
  const auto server = relay_server();
  HttpClient client = server->client();
  const Account admin = fixtures::sign_in(client, fixtures::kAdminEmail, fixtures::kAdminPassword);
  const Account ada = fixtures::sign_up(client, "relay-" + new_uuid_v7() + "@example.com");
  const auto project = fixtures::create(client, "projects", {{"name", "Relay"}}, ada);
  const auto task = fixtures::create(client, "tasks", {{"title", "Publish"}, {"project", fixtures::id_of(project)}}, ada);
  EXPECT_EQ(client.request("PATCH", "/api/tasks/" + fixtures::id_of(task), json_text({{"status", "done"}}), ada.bearer()).status, 200);
  EXPECT_EQ(client.request("DELETE", "/api/projects/" + fixtures::id_of(project), {}, ada.bearer()).status, 204);  // and its task

  // What the log holds is what the broker gets, in the same order (one keel, one relay).
  // On PostgreSQL the sequencer numbers a commit a moment after it: a short wait for that.
  boost::json::array logged = logged_events(client, admin);
  for (const auto until = Clock::now() + 5s; logged.size() < 8 && Clock::now() < until; logged = logged_events(client, admin)) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(logged.size(), 8u);  // admin and ada sign in/up, 2 creates, an update, 2 deletes + the first admin's creation  // login, register, 2 creates, update, 2 deletes
  const std::vector<Received> got = consumer.receive(logged.size());
  ASSERT_EQ(got.size(), logged.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto& e = logged[i].as_object();
    EXPECT_EQ(got[i].exchange, "keel.events");
    EXPECT_EQ(got[i].routing_key, std::string(e.at("type").as_string())) << i;
    EXPECT_EQ(got[i].message_id, std::string(e.at("id").as_string())) << i;
    EXPECT_EQ(got[i].content_type, "application/json");
    EXPECT_EQ(got[i].delivery_mode, 2) << "persistent";
    EXPECT_EQ(boost::json::parse(got[i].body), logged[i]) << i;  // the §9 envelope, as GET /api/events shows it
  }
  // Once in a full parallel run (right after the outage test restarted the broker) /readyz said
  // "down" here for a moment although every event had been confirmed: allow the relay's next
  // liveness check (2 s) to settle it. The outage test holds /readyz to the 10 s of API.md §7.
  EXPECT_LT(await_broker(client, "ok", 5s), 5s);
  const double all = static_cast<double>(logged.size());
  EXPECT_EQ(metric_reaching(client, "keel_events_published_total", [&](double v) { return v == all; }), all);
  EXPECT_EQ(metric_reaching(client, "keel_events_backlog", [](double v) { return v == 0; }), 0);
}

TEST(Relay, ABrokerOutageLosesNoEventAndReadyzSaysSo) {
  // A durable queue bound before the outage: it and the persistent messages survive the broker's stop.
  const std::string queue = "keel-test-relay-" + new_uuid_v7();
  { TestConsumer bind_only({.durable_queue = queue}); }
  const auto server = relay_server();
  HttpClient client = server->client();
  const Account admin = fixtures::sign_in(client, fixtures::kAdminEmail, fixtures::kAdminPassword);
  const Account ada = fixtures::sign_up(client, "outage-" + new_uuid_v7() + "@example.com");
  const auto project = fixtures::create(client, "projects", {{"name", "Outage"}}, ada);
  const std::string project_id = fixtures::id_of(project);
  EXPECT_LT(await_broker(client, "ok", 10s), 10s);

  broker_ctl("stop");
  EXPECT_LT(await_broker(client, "down", 10s), 10s) << "API.md §7: within 10 s of a change";
  // 1,000 writes while the broker is away: all answered as usual. Creates and updates of the
  // same records interleave, so the per-record order can be checked.
  std::vector<std::string> ids;
  int failures = 0;
  for (int i = 0; i < 500; ++i) {
    const HttpResponse made = client.post("/api/tasks", json_text({{"title", fixtures::numbered("T", i)}, {"project", project_id}}), ada.bearer());
    if (made.status != 201) {
      ++failures;
      continue;
    }
    ids.push_back(std::string(made.json().at("id").as_string()));
    const HttpResponse changed = client.request("PATCH", "/api/tasks/" + ids.back(), json_text({{"priority", 5}}), ada.bearer());
    failures += changed.status != 200;
  }
  ASSERT_EQ(failures, 0);
  EXPECT_EQ(readyz_broker(client), "down");
  EXPECT_GE(metric_reaching(client, "keel_events_backlog", [](double v) { return v >= 1000; }), 1000);

  broker_ctl("start");
  EXPECT_LT(await_broker(client, "ok", 15s), 15s);
  TestConsumer consumer({.durable_queue = queue});
  std::map<std::string, std::vector<std::string>> per_record;  // task id -> the types, as delivered
  std::map<std::string, int> times_seen;                       // event id -> deliveries
  const auto deadline = Clock::now() + 30s;
  std::size_t task_events = 0;
  while (task_events < 1000 && Clock::now() < deadline) {
    for (const Received& m : consumer.receive(1000 - task_events, 2s)) {
      const auto event = boost::json::parse(m.body).as_object();
      if (event.at("resource").as_string() != "tasks") continue;
      if (++times_seen[m.message_id] > 1) continue;  // at least once: a repeat is counted, not an error
      per_record[std::string(event.at("recordId").as_string())].push_back(m.routing_key);
      ++task_events;
    }
  }
  int repeats = 0;
  for (const auto& [id, n] : times_seen) repeats += n - 1;
  std::cout << "[ relay    ] " << task_events << " task events after the outage, " << repeats << " repeated\n";
  EXPECT_EQ(task_events, 1000u);
  ASSERT_EQ(per_record.size(), ids.size());
  for (const std::string& id : ids) {
    EXPECT_EQ(per_record[id], (std::vector<std::string>{"tasks.created", "tasks.updated"})) << id;
  }
  EXPECT_EQ(metric_reaching(client, "keel_events_backlog", [](double v) { return v == 0; }), 0);
  consumer.delete_queue();
}

}  // namespace
}  // namespace keel::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
