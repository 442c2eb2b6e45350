// Issue 17 / API.md §10: realtime over a real WebSocket client (Beast), on SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "integration/resource_fixtures.hpp"
#include "support/manual_clock.hpp"
#include "support/test_database.hpp"
#include "support/ws_client.hpp"

namespace keel::test {
namespace {

using namespace fixtures;
using namespace std::chrono_literals;
namespace json = boost::json;

std::string str(const json::object& m, const char* key) {
  const auto* v = m.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string("<none>");
}

// The next message, failing the test when none comes.
json::object expect_message(WsClient& ws, std::chrono::milliseconds within = 3s) {
  const auto m = ws.next(within);
  EXPECT_TRUE(m.has_value()) << "no message within " << within.count() << " ms";
  return m.value_or(json::object{});
}

void sign_in_socket(WsClient& ws, const Account& who) {
  ws.send(json::object{{"type", "auth"}, {"token", who.token}});
  const auto m = expect_message(ws);
  ASSERT_EQ(str(m, "type"), "authenticated") << json::serialize(m);
}

// Subscribes and returns the `subscribed` seq.
std::int64_t subscribe(WsClient& ws, const std::string& id, const std::string& resource, const std::string& filter = {},
                       std::optional<std::int64_t> since = std::nullopt) {
  json::object m{{"type", "subscribe"}, {"id", id}, {"resource", resource}};
  if (!filter.empty()) m["filter"] = filter;
  if (since) m["since"] = *since;
  ws.send(m);
  const auto answer = expect_message(ws);
  EXPECT_EQ(str(answer, "type"), "subscribed") << json::serialize(answer);
  EXPECT_EQ(str(answer, "id"), id);
  const auto* seq = answer.if_contains("seq");
  return seq && seq->is_int64() ? seq->get_int64() : -1;
}

// An event message's action and record title.
std::string event_of(const json::object& m) {
  if (str(m, "type") != "event") return "not an event: " + json::serialize(m);
  const auto& record = m.at("record").as_object();
  return str(m, "action") + " " + str(record, "title");
}

class Realtime : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(
        [&](app::Config& c) {
          configure(c, default_resources());
          c.database_url = database_.url();
        },
        nullptr, clock_);
    client_ = std::make_unique<HttpClient>(server_->port());
    ada_ = sign_up(*client_, "ada@example.com");
    bob_ = sign_up(*client_, "bob@example.com");
    project_ = id_of(create(*client_, "projects", {{"name", "P"}}, ada_));
    bob_project_ = id_of(create(*client_, "projects", {{"name", "B"}}, bob_));
  }
  std::string task(const Account& who, const std::string& title, const std::string& status = "todo") {
    const std::string& project = who.id == ada_.id ? project_ : bob_project_;
    return id_of(create(*client_, "tasks", {{"title", title}, {"project", project}, {"status", status}}, who));
  }
  void patch(const Account& who, const std::string& id, const json::object& body) {
    ASSERT_EQ(client_->request("PATCH", "/api/tasks/" + id, json_text(body), who.bearer()).status, 200);
  }
  std::unique_ptr<WsClient> socket() { return std::make_unique<WsClient>(server_->port()); }
  // A second keel on the same database, as another instance.
  std::unique_ptr<TestServer> other_instance() {
    return std::make_unique<TestServer>(
        [&](app::Config& c) {
          configure(c, default_resources());
          c.database_url = database_.url();
        },
        nullptr, clock_);
  }

  ManualClock clock_;
  TestDatabase database_{test_backend()};
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<HttpClient> client_;
  Account ada_, bob_;
  std::string project_, bob_project_;
};

TEST_F(Realtime, EachSubscriberSeesOnlyTheRecordsItsRulesLetItRead) {
  auto as_ada = socket();
  auto as_bob = socket();
  sign_in_socket(*as_ada, ada_);
  sign_in_socket(*as_bob, bob_);
  subscribe(*as_ada, "s1", "tasks");
  subscribe(*as_bob, "s1", "tasks");
  const std::string id = task(ada_, "ada's");
  EXPECT_EQ(event_of(expect_message(*as_ada)), "created ada's");
  // Bob's first event is his own task: ada's never reached him.
  task(bob_, "bob's");
  EXPECT_EQ(event_of(expect_message(*as_bob)), "created bob's");
  // A delete reaches those who could read the record, as it was.
  ASSERT_EQ(client_->request("DELETE", "/api/tasks/" + id, {}, ada_.bearer()).status, 204);
  EXPECT_EQ(event_of(expect_message(*as_ada)), "deleted ada's");
  EXPECT_FALSE(as_bob->next(300ms).has_value());
}

// An admin sees every record: its subscription gets everyone's events, the owners still only theirs.
TEST_F(Realtime, AnAdminsSubscriptionSeesEveryOwnersEvents) {
  const Account admin = sign_in(*client_, kAdminEmail, kAdminPassword);
  auto as_admin = socket();
  auto as_ada = socket();
  sign_in_socket(*as_admin, admin);
  sign_in_socket(*as_ada, ada_);
  subscribe(*as_admin, "all", "tasks");
  subscribe(*as_ada, "mine", "tasks");
  task(bob_, "bob's");
  task(ada_, "ada's");
  EXPECT_EQ(event_of(expect_message(*as_admin)), "created bob's");
  EXPECT_EQ(event_of(expect_message(*as_admin)), "created ada's");
  EXPECT_EQ(event_of(expect_message(*as_ada)), "created ada's");
  EXPECT_FALSE(as_ada->next(300ms).has_value());
}

// A subscriber that stops reading is closed with 1013 once REALTIME_QUEUE_KB is unsent, and
// what it did get is every event up to there, in order: nothing is skipped.
TEST(RealtimeSlowReader, IsClosedWith1013AndGetsNoGapBeforeIt) {
  TestServer server([&](app::Config& c) {
    configure(c, default_resources());
    c.realtime_queue_bytes = 64 << 10;
  });
  HttpClient client(server.port());
  const Account ada = sign_up(client, "ada@example.com");
  const std::string project = id_of(create(client, "projects", {{"name", "P"}}, ada));
  WsClient slow(server.port(), "/api/realtime", {}, /*slow=*/true);
  slow.send(json::object{{"type", "auth"}, {"token", ada.token}});
  slow.send(json::object{{"type", "subscribe"}, {"id", "s"}, {"resource", "tasks"}});
  // Wait until the subscription is live (its `subscribed` is queued behind `authenticated`).
  for (int i = 0; i < 100 && metric(client, "keel_realtime_connections") < 1; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(200ms);
  // 150 events of ~60 KiB: far more than the kernel's socket buffers and the 64 KiB queue hold.
  const std::string notes(60 * 1024, 'n');
  for (int i = 0; i < 150; ++i) {
    const auto res = client.post("/api/tasks",
                                 json_text({{"title", numbered("t", i)}, {"project", project}, {"notes", notes}}),
                                 ada.bearer());
    ASSERT_EQ(res.status, 201) << res.body;
  }
  for (int i = 0; i < 300 && metric(client, "keel_realtime_closed_slow_total") < 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(metric(client, "keel_realtime_closed_slow_total"), 1);
  slow.start_reading();
  EXPECT_EQ(str(expect_message(slow), "type"), "authenticated");
  EXPECT_EQ(str(expect_message(slow), "type"), "subscribed");
  int events = 0;
  while (auto m = slow.next(2s)) {
    ASSERT_EQ(event_of(*m), "created " + numbered("t", events)) << "event " << events;
    ++events;
  }
  EXPECT_GT(events, 0);
  EXPECT_LT(events, 150) << "it read nothing, yet got everything: the queue bound did not apply";
  EXPECT_EQ(slow.closed(5s), 1013);
}

// The WebSocket handshake is checked against CORS_ORIGINS when the browser sends an Origin:
// another site's page cannot open a socket with its visitor's token.
TEST(RealtimeOrigin, AnOriginOutsideCorsOriginsIsRefused) {
  TestServer server([&](app::Config& c) {
    configure(c, default_resources());
    c.cors_origins = {"https://app.example.com"};
  });
  EXPECT_THROW(
      {
        try {
          WsClient ws(server.port(), "/api/realtime", "https://evil.example.com");
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("HTTP 403"), std::string::npos) << e.what();
          throw;
        }
      },
      std::runtime_error);
  WsClient allowed(server.port(), "/api/realtime", "https://app.example.com");
  allowed.send(json::object{{"type", "ping"}});
  EXPECT_EQ(str(expect_message(allowed), "type"), "pong");
  WsClient no_origin(server.port());  // not a browser: nothing to check
  no_origin.send(json::object{{"type", "ping"}});
  EXPECT_EQ(str(expect_message(no_origin), "type"), "pong");
}

TEST_F(Realtime, ARecordEnteringOrLeavingTheFilterIsCreatedOrDeletedForThatSubscription) {
  auto ws = socket();
  sign_in_socket(*ws, ada_);
  subscribe(*ws, "todo", "tasks", "status=todo");
  const std::string id = task(ada_, "t1");
  EXPECT_EQ(event_of(expect_message(*ws)), "created t1");
  patch(ada_, id, {{"title", "t2"}});
  EXPECT_EQ(event_of(expect_message(*ws)), "updated t2");
  patch(ada_, id, {{"status", "done"}});
  EXPECT_EQ(event_of(expect_message(*ws)), "deleted t2");  // the record after the change
  patch(ada_, id, {{"title", "t3"}});                      // outside the filter: nothing
  patch(ada_, id, {{"status", "todo"}});
  EXPECT_EQ(event_of(expect_message(*ws)), "created t3");
  task(ada_, "done already", "done");  // never in the filter
  EXPECT_FALSE(ws->next(300ms).has_value());
}

TEST_F(Realtime, AWriteRightAfterSubscribedIsNeverMissed) {
  auto ws = socket();
  sign_in_socket(*ws, ada_);
  for (int i = 0; i < 100; ++i) {
    const std::string id = numbered("s", i);
    subscribe(*ws, id, "tasks");
    task(ada_, numbered("t", i));
    const auto m = expect_message(*ws);
    ASSERT_EQ(event_of(m), "created " + numbered("t", i)) << "try " << i;
    ASSERT_EQ(str(m, "subscription"), id);
    ws->send(json::object{{"type", "unsubscribe"}, {"id", id}});
    ASSERT_EQ(str(expect_message(*ws), "type"), "unsubscribed");
  }
}

TEST_F(Realtime, ReconnectingWithSinceReplaysExactlyWhatWasMissedThenGoesLive) {
  std::int64_t seen = 0;
  {
    auto ws = socket();
    sign_in_socket(*ws, ada_);
    seen = subscribe(*ws, "s", "tasks");
  }
  task(ada_, "a");
  task(bob_, "not ada's");
  task(ada_, "b");
  task(ada_, "c");
  auto ws = socket();
  sign_in_socket(*ws, ada_);
  ws->send(json::object{{"type", "subscribe"}, {"id", "s"}, {"resource", "tasks"}, {"since", seen}});
  EXPECT_EQ(event_of(expect_message(*ws)), "created a");
  EXPECT_EQ(event_of(expect_message(*ws)), "created b");
  EXPECT_EQ(event_of(expect_message(*ws)), "created c");
  EXPECT_EQ(str(expect_message(*ws), "type"), "subscribed");
  task(ada_, "d");
  EXPECT_EQ(event_of(expect_message(*ws)), "created d");
  EXPECT_FALSE(ws->next(300ms).has_value()) << "no duplicate";
}

TEST_F(Realtime, ALogoutClosesTheSessionsSocketsWithin1s) {
  auto ws = socket();
  sign_in_socket(*ws, ada_);
  subscribe(*ws, "s", "tasks");
  ASSERT_EQ(client_->post("/api/auth/logout", "", ada_.bearer()).status, 204);
  EXPECT_EQ(ws->closed(1s), 4401);
}

TEST_F(Realtime, AnExpiredTokenIsToldHeldBackAndClosedAfter30sWithoutANewAuth) {
  auto ws = socket();
  sign_in_socket(*ws, ada_);
  subscribe(*ws, "s", "tasks");
  clock_.advance(std::chrono::seconds(901));  // past ACCESS_TOKEN_TTL
  const auto told = expect_message(*ws);
  EXPECT_EQ(str(told, "code"), "TOKEN_EXPIRED") << json::serialize(told);
  // Events wait for a new auth, none lost.
  const Account fresh = sign_in(*client_, "ada@example.com");
  task(fresh, "while expired");
  EXPECT_FALSE(ws->next(500ms).has_value());
  sign_in_socket(*ws, fresh);
  EXPECT_EQ(event_of(expect_message(*ws)), "created while expired");
  // Expired again, and no auth within the grace: 4401.
  clock_.advance(std::chrono::seconds(901));
  EXPECT_EQ(str(expect_message(*ws), "code"), "TOKEN_EXPIRED");
  clock_.advance(std::chrono::seconds(31));
  EXPECT_EQ(ws->closed(2s), 4401);
}

TEST_F(Realtime, TheLimitsAndBadMessagesAreRefusedAsTheContractSays) {
  auto ws = socket();
  // Anonymous: tasks' list rule is owner.
  ws->send(json::object{{"type", "subscribe"}, {"id", "s"}, {"resource", "tasks"}});
  EXPECT_EQ(str(expect_message(*ws), "code"), "UNAUTHORIZED");
  ws->send(std::string("not json"));
  EXPECT_EQ(str(expect_message(*ws), "code"), "INVALID_JSON");
  ws->send(json::object{{"type", "ping"}});
  EXPECT_EQ(str(expect_message(*ws), "type"), "pong");
  ws->send(json::object{{"type", "ping"}, {"padding", std::string(5000, 'p')}});  // read in several steps
  EXPECT_EQ(str(expect_message(*ws), "type"), "pong");
  ws->send(json::object{{"type", "auth"}, {"token", "not a token"}});
  EXPECT_EQ(str(expect_message(*ws), "code"), "UNAUTHORIZED");
  sign_in_socket(*ws, ada_);
  ws->send(json::object{{"type", "auth"}, {"token", bob_.token}});
  EXPECT_EQ(str(expect_message(*ws), "code"), "FORBIDDEN");
  for (const auto& [resource, filter] : {std::pair{"nope", ""}, std::pair{"tasks", "sort=title"},
                                         std::pair{"tasks", "colour=red"}, std::pair{"tasks", "priority[gte]=x"}}) {
    ws->send(json::object{{"type", "subscribe"}, {"id", "bad"}, {"resource", resource}, {"filter", filter}});
    const auto m = expect_message(*ws);
    EXPECT_EQ(str(m, "code"), "VALIDATION_ERROR") << resource << " " << filter << ": " << json::serialize(m);
    EXPECT_EQ(str(m, "id"), "bad");
  }
  ws->send(json::object{{"type", "unsubscribe"}, {"id", "none"}});
  EXPECT_EQ(str(expect_message(*ws), "code"), "VALIDATION_ERROR");
  for (int i = 0; i < 100; ++i) subscribe(*ws, numbered("s", i), "tasks");
  ws->send(json::object{{"type", "subscribe"}, {"id", "s100"}, {"resource", "tasks"}});
  EXPECT_EQ(str(expect_message(*ws), "code"), "VALIDATION_ERROR") << "the 101st";
  ws->send(json::object{{"type", "subscribe"}, {"id", "s0"}, {"resource", "tasks"}});
  EXPECT_EQ(str(expect_message(*ws), "code"), "VALIDATION_ERROR") << "a duplicate id";
  // A message over 64 KiB closes the connection with 1009.
  ws->send(std::string(65 * 1024, ' '));
  EXPECT_EQ(ws->closed(2s), 1009);
}

// Another instance on the same database: its subscribers get this one's writes (from the event
// log itself, within 1 s without Redis).
TEST_F(Realtime, ASubscriberOnAnotherInstanceReceivesTheWrite) {
  const auto other = other_instance();
  WsClient ws(other->port());
  sign_in_socket(ws, ada_);
  subscribe(ws, "s", "tasks");
  const auto written = std::chrono::steady_clock::now();
  task(ada_, "made on the first");
  EXPECT_EQ(event_of(expect_message(ws, 2s)), "created made on the first");
  EXPECT_LT(std::chrono::steady_clock::now() - written, 1s);
}

// Without Redis the other instance learns of the logout from the database (polled): still
// within 1 s.
TEST_F(Realtime, ALogoutOnOneInstanceClosesTheSocketOnAnotherWithin1s) {
  const auto other = other_instance();
  WsClient ws(other->port());
  sign_in_socket(ws, ada_);
  subscribe(ws, "s", "tasks");
  const auto out = std::chrono::steady_clock::now();
  ASSERT_EQ(client_->post("/api/auth/logout", "", ada_.bearer()).status, 204);
  EXPECT_EQ(ws.closed(2s), 4401);
  EXPECT_LT(std::chrono::steady_clock::now() - out, 1s);
}

TEST_F(Realtime, ShutdownClosesWith1001) {
  auto ws = socket();
  sign_in_socket(*ws, ada_);
  client_.reset();  // an idle HTTP client would hold the shutdown for its linger time
  const auto started = std::chrono::steady_clock::now();
  server_.reset();
  EXPECT_EQ(ws->closed(3s), 1001);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "the close handshake held up the shutdown";
}

}  // namespace
}  // namespace keel::test
