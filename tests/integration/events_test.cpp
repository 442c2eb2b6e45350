// API.md §9 through real HTTP: every change records one event in its own transaction, GET
// /api/events follows seq, trimming asks readers behind it to resync; and on PostgreSQL the
// sequencer keeps seq in commit order when transactions commit out of insert order.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "core/ids.hpp"
#include "core/run_sync.hpp"
#include "events/event_log.hpp"
#include "resource_fixtures.hpp"
#include "support/manual_clock.hpp"
#include "support/test_database.hpp"

namespace keel::test {
namespace {

namespace asio = boost::asio;
using fixtures::Account;
using fixtures::json_text;

struct Page {
  boost::json::array events;
  std::int64_t next_since = 0;
  std::int64_t head_seq = 0;
};

HttpResponse get_events(HttpClient& client, const Account& admin, const std::string& query) {
  return client.get("/api/events" + query, admin.bearer());
}

Page page_of(const HttpResponse& res) {
  EXPECT_EQ(res.status, 200) << res.body;
  Page p;
  if (res.status != 200) return p;
  const auto body = res.json().as_object();
  p.events = body.at("data").as_array();
  p.next_since = body.at("meta").at("nextSince").as_int64();
  p.head_seq = body.at("meta").at("headSeq").as_int64();
  return p;
}

/// Everything after `since`, following nextSince, until at least `count` events arrived. On
/// PostgreSQL the sequencer numbers a commit a moment after it (woken by it): a short wait for
/// that real behaviour, never for a clock.
boost::json::array events_after(HttpClient& client, const Account& admin, std::int64_t since, std::size_t count) {
  boost::json::array out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const Page p = page_of(get_events(client, admin, "?since=" + std::to_string(since) + "&limit=1000"));
    for (auto& e : p.events) out.push_back(e);
    since = p.next_since;
    if (out.size() >= count || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(out.size(), count) << boost::json::serialize(out);
  return out;
}

std::vector<std::string> types_of(const boost::json::array& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.emplace_back(e.at("type").as_string());
  return out;
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

// The §9 envelope: every key, nothing else, and the right kinds of value.
void expect_envelope(const boost::json::value& event) {
  const auto& e = event.as_object();
  EXPECT_EQ(e.size(), 8u) << boost::json::serialize(e);
  EXPECT_TRUE(is_uuid(str(e.at("id"))));
  EXPECT_GT(e.at("seq").as_int64(), 0);
  EXPECT_TRUE(is_uuid(str(e.at("recordId"))));
  EXPECT_TRUE(e.at("actorId").is_null() || is_uuid(str(e.at("actorId"))));
  EXPECT_TRUE(normalise_timestamp(str(e.at("at"))).has_value());
  EXPECT_EQ(*normalise_timestamp(str(e.at("at"))), str(e.at("at")));
  EXPECT_TRUE(e.at("data").is_object());
  EXPECT_TRUE(e.at("type").as_string().starts_with(e.at("resource").as_string())) << boost::json::serialize(e);
}

class Events : public ::testing::Test {
 protected:
  explicit Events(const std::string& resources = fixtures::default_resources(),
                  std::chrono::seconds retention = std::chrono::seconds(86400))
      : server(
            [resources, retention](app::Config& c) {
              fixtures::configure(c, resources);
              c.events_retention = retention;
            },
            {}, clock),
        client(server.client()) {
    admin = fixtures::sign_in(client, fixtures::kAdminEmail, fixtures::kAdminPassword);
  }
  ManualClock clock;
  TestServer server;
  HttpClient client;
  Account admin;
};

TEST_F(Events, EachKindOfChangeRecordsItsEventWithTheEnvelope) {
  const std::int64_t since = events_after(client, admin, 0, 2).back().at("seq").as_int64();  // the admin's creation, sign-in

  // Sign-up (one event, not users.created too), sign-in, records, admin actions, sign-out.
  const HttpResponse reg = client.post("/api/auth/register",
                                       json_text({{"email", "ada@example.com"}, {"password", "user password"}, {"name", "Ada"}}));
  ASSERT_EQ(reg.status, 201) << reg.body;
  const Account ada{str(reg.json().at("user").at("id")), str(reg.json().at("accessToken"))};
  const std::string refresh = str(reg.json().at("refreshToken"));
  const Account ada2 = fixtures::sign_in(client, "ada@example.com");
  const auto project = fixtures::create(client, "projects", {{"name", "P"}}, ada);
  ASSERT_EQ(client.request("PATCH", "/api/projects/" + fixtures::id_of(project), R"({"name":"Q"})", ada.bearer()).status, 200);
  const auto task = fixtures::create(client, "tasks", {{"title", "T"}, {"project", fixtures::id_of(project)}}, ada);
  ASSERT_EQ(client.request("DELETE", "/api/tasks/" + fixtures::id_of(task), {}, ada.bearer()).status, 204);
  const HttpResponse made = client.post(
      "/api/users", json_text({{"email", "bob@example.com"}, {"password", "bob password"}, {"name", "Bob"}}), admin.bearer());
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string bob = str(made.json().at("id"));
  ASSERT_EQ(client.request("PATCH", "/api/users/" + bob, R"({"name":"Robert"})", admin.bearer()).status, 200);
  ASSERT_EQ(client.request("PATCH", "/api/users/" + bob, R"({"password":"new bob password"})", admin.bearer()).status, 200);
  ASSERT_EQ(client.request("PATCH", "/api/users/" + ada.id,
                           R"({"password":"new ada password","currentPassword":"user password"})", ada.bearer()).status,
            200);
  ASSERT_EQ(client.request("POST", "/api/auth/logout", {}, ada.bearer()).status, 204);
  ASSERT_EQ(client.request("DELETE", "/api/users/" + bob, {}, admin.bearer()).status, 204);
  // Refresh-token reuse past the grace, then an account deleted by its own user.
  const Account carol = fixtures::sign_up(client, "carol@example.com");
  const HttpResponse carol_login = client.post("/api/auth/login",
                                               json_text({{"email", "carol@example.com"}, {"password", "user password"}}));
  const std::string carol_refresh = str(carol_login.json().at("refreshToken"));
  ASSERT_EQ(client.post("/api/auth/refresh", json_text({{"refreshToken", carol_refresh}})).status, 200);
  clock.advance(std::chrono::seconds(11));  // past REFRESH_REUSE_INTERVAL: reuse is theft now
  expect_error(client.post("/api/auth/refresh", json_text({{"refreshToken", carol_refresh}})), 401, "UNAUTHORIZED");
  ASSERT_EQ(client.request("DELETE", "/api/users/" + carol.id, {}, carol.bearer()).status, 204);  // account deletion

  const boost::json::array events = events_after(client, admin, since, 16);
  EXPECT_EQ(types_of(events),
            (std::vector<std::string>{"auth.registered", "auth.logged_in", "projects.created", "projects.updated",
                                      "tasks.created", "tasks.deleted", "users.created", "users.updated",
                                      "auth.password_changed", "auth.password_changed", "auth.logged_out",
                                      "users.deleted", "auth.registered", "auth.logged_in", "auth.session_revoked",
                                      "users.deleted"}));
  std::int64_t last = since;
  for (const auto& e : events) {
    expect_envelope(e);
    EXPECT_GT(e.at("seq").as_int64(), last) << "seq grows";
    last = e.at("seq").as_int64();
  }
  const auto field = [&](std::size_t i, const char* key) { return events[i].at(key); };
  // Who did what to which record, and the record as an admin reads it.
  EXPECT_EQ(str(field(0, "resource")), "auth");
  EXPECT_EQ(str(field(0, "recordId")), ada.id);
  EXPECT_EQ(str(field(0, "actorId")), ada.id);
  EXPECT_EQ(str(field(0, "data").at("email")), "ada@example.com");
  EXPECT_EQ(str(field(1, "actorId")), ada2.id);
  EXPECT_EQ(str(field(2, "resource")), "projects");
  EXPECT_EQ(str(field(2, "recordId")), fixtures::id_of(project));
  EXPECT_EQ(str(field(2, "actorId")), ada.id);
  EXPECT_EQ(field(2, "data").as_object(), project);
  EXPECT_EQ(str(field(3, "data").at("name")), "Q");
  EXPECT_EQ(field(4, "data").as_object(), task);
  EXPECT_EQ(field(5, "data").as_object(), task) << "a deletion's data is the record as it was";
  EXPECT_EQ(str(field(6, "resource")), "users");
  EXPECT_EQ(str(field(6, "recordId")), bob);
  EXPECT_EQ(str(field(6, "actorId")), admin.id);
  EXPECT_EQ(field(6, "data").as_object(), made.json().as_object());
  EXPECT_EQ(str(field(7, "data").at("name")), "Robert");
  EXPECT_EQ(str(field(8, "resource")), "auth");
  EXPECT_EQ(str(field(8, "recordId")), bob);
  EXPECT_EQ(str(field(8, "actorId")), admin.id) << "the admin who set the password";
  EXPECT_EQ(str(field(9, "actorId")), ada.id);
  EXPECT_EQ(str(field(10, "actorId")), ada.id);
  EXPECT_EQ(str(field(11, "actorId")), admin.id);
  EXPECT_EQ(str(field(11, "data").at("name")), "Robert");
  EXPECT_EQ(str(field(14, "recordId")), carol.id);
  EXPECT_TRUE(field(14, "actorId").is_null()) << "a revocation by reuse: no user acted";
  EXPECT_EQ(str(field(15, "actorId")), carol.id);

  // No password, hash or token anywhere in the log.
  const std::string text = get_events(client, admin, "?since=0&limit=1000").body;
  for (const std::string& secret : {std::string("user password"), std::string("bob password"), std::string("new ada password"),
                                    std::string("$2"), std::string("password_hash"), std::string("passwordHash"),
                                    ada.token, ada2.token, refresh, carol_refresh, admin.token, carol.token}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
  }
}

TEST_F(Events, AFailedRequestRecordsNothing) {
  const Account ada = fixtures::sign_up(client, "ada@example.com");
  const auto project = fixtures::create(client, "projects", {{"name", "P"}}, ada);
  // users.created (the first admin), its sign-in, ada's sign-up, the project.
  const std::int64_t since = events_after(client, admin, 0, 4).back().at("seq").as_int64();

  // Validation, conflict, forbidden, not found, bad credentials, a bad precondition.
  fixtures::expect_validation(client.post("/api/projects", R"({"name":""})", ada.bearer()), {"name"});
  expect_error(client.post("/api/auth/register", json_text({{"email", "ada@example.com"}, {"password", "user password"}, {"name", "A"}})),
               409, "CONFLICT");
  expect_error(client.request("DELETE", "/api/users/" + admin.id, {}, ada.bearer()), 403, "FORBIDDEN");
  expect_error(client.request("PATCH", "/api/users/" + ada.id, R"({"role":"admin"})", ada.bearer()), 403, "FORBIDDEN");
  expect_error(client.request("DELETE", "/api/users/" + admin.id, {}, admin.bearer()), 409, "CONFLICT");  // the last admin
  expect_error(client.request("DELETE", "/api/projects/" + new_uuid_v7(), {}, ada.bearer()), 404, "NOT_FOUND");
  expect_error(client.post("/api/auth/login", json_text({{"email", "ada@example.com"}, {"password", "wrong password"}})),
               401, "INVALID_CREDENTIALS");
  expect_error(client.request("PATCH", "/api/projects/" + fixtures::id_of(project), R"({"name":"Q"})",
                              {{"Authorization", "Bearer " + ada.token}, {"If-Match", "\"stale\""}}),
               412, "PRECONDITION_FAILED");
  expect_error(client.post("/api/tasks", json_text({{"title", "T"}, {"project", new_uuid_v7()}}), ada.bearer()), 400,
               "VALIDATION_ERROR");

  // Then one change: its event is the only one after `since`.
  ASSERT_EQ(client.request("PATCH", "/api/projects/" + fixtures::id_of(project), R"({"name":"Q"})", ada.bearer()).status, 200);
  const boost::json::array events = events_after(client, admin, since, 1);
  EXPECT_EQ(types_of(events), std::vector<std::string>{"projects.updated"});
}

TEST_F(Events, CascadesRecordOneEventPerRecord) {
  const Account ada = fixtures::sign_up(client, "ada@example.com");
  const auto doomed = fixtures::create(client, "projects", {{"name", "doomed"}}, ada);
  const auto kept = fixtures::create(client, "projects", {{"name", "kept"}}, ada);
  std::set<std::string> tasks;
  for (int i = 0; i < 3; ++i) {
    tasks.insert(fixtures::id_of(fixtures::create(client, "tasks", {{"title", fixtures::numbered("T", i)}, {"project", fixtures::id_of(doomed)}}, ada)));
  }
  const auto other_task = fixtures::create(client, "tasks", {{"title", "other"}, {"project", fixtures::id_of(kept)}}, ada);
  std::int64_t since = events_after(client, admin, 0, 9).back().at("seq").as_int64();

  // A project's deletion: its event, then one per task its cascade deletes, each as it was.
  ASSERT_EQ(client.request("DELETE", "/api/projects/" + fixtures::id_of(doomed), {}, ada.bearer()).status, 204);
  boost::json::array events = events_after(client, admin, since, 4);
  EXPECT_EQ(types_of(events), (std::vector<std::string>{"projects.deleted", "tasks.deleted", "tasks.deleted", "tasks.deleted"}));
  std::set<std::string> deleted;
  for (std::size_t i = 1; i < events.size(); ++i) {
    deleted.insert(str(events[i].at("recordId")));
    EXPECT_EQ(str(events[i].at("data").at("project")), fixtures::id_of(doomed));
    EXPECT_EQ(str(events[i].at("actorId")), ada.id);
  }
  EXPECT_EQ(deleted, tasks);
  since = events.back().at("seq").as_int64();

  // A user's deletion: the user, then their records and what those cascade to.
  ASSERT_EQ(client.request("DELETE", "/api/users/" + ada.id, {}, admin.bearer()).status, 204);
  events = events_after(client, admin, since, 3);
  EXPECT_EQ(types_of(events), (std::vector<std::string>{"users.deleted", "projects.deleted", "tasks.deleted"}));
  EXPECT_EQ(str(events[1].at("recordId")), fixtures::id_of(kept));
  EXPECT_EQ(str(events[2].at("recordId")), fixtures::id_of(other_task));
  for (const auto& e : events) EXPECT_EQ(str(e.at("actorId")), admin.id);
}

// Cascades are found level by level (one statement per referring field and level) and their
// events written in a few multi-row inserts: 70 tasks are not 70 reads nor 71 inserts.
TEST_F(Events, ALargeCascadeRecordsEveryRecordOnceInAFewStatements) {
  const Account ada = fixtures::sign_up(client, "ada@example.com");
  const auto project = fixtures::create(client, "projects", {{"name", "big"}}, ada);
  std::set<std::string> tasks;
  for (int i = 0; i < 70; ++i) {
    tasks.insert(fixtures::id_of(fixtures::create(client, "tasks", {{"title", fixtures::numbered("T", i)}, {"project", fixtures::id_of(project)}}, ada)));
  }
  const std::int64_t since = events_after(client, admin, 0, 74).back().at("seq").as_int64();

  const std::uint64_t before = server.app().database().statements_executed();
  ASSERT_EQ(client.request("DELETE", "/api/projects/" + fixtures::id_of(project), {}, ada.bearer()).status, 204);
  const std::uint64_t spent = server.app().database().statements_executed() - before;
  EXPECT_LT(spent, 30u) << "the delete, its reads and its event inserts (plus a sequencer step or two)";

  const boost::json::array events = events_after(client, admin, since, 71);
  std::set<std::string> deleted;
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(str(events[i].at("type")), "tasks.deleted");
    deleted.insert(str(events[i].at("recordId")));
  }
  EXPECT_EQ(str(events[0].at("type")), "projects.deleted");
  EXPECT_EQ(deleted, tasks);
}

class EventsEveryType : public Events {
 protected:
  EventsEveryType() : Events(fixtures::every_type_resources()) {}
};

TEST_F(EventsEveryType, SetNullAndCascadeEachRecordTheirRecord) {
  const auto group = fixtures::create(client, "groups", {{"label", "g"}}, admin);
  const std::string g = fixtures::id_of(group);
  const auto cascaded = fixtures::create(client, "items", {{"code", "AB-1"}, {"keeper", g}}, admin);
  const auto nulled = fixtures::create(client, "items", {{"code", "AB-2"}, {"fallback", g}}, admin);
  const std::int64_t since = events_after(client, admin, 0, 5).back().at("seq").as_int64();

  ASSERT_EQ(client.request("DELETE", "/api/groups/" + g, {}, admin.bearer()).status, 204);
  const boost::json::array events = events_after(client, admin, since, 3);
  EXPECT_EQ(types_of(events), (std::vector<std::string>{"groups.deleted", "items.deleted", "items.updated"}));
  EXPECT_EQ(str(events[1].at("recordId")), fixtures::id_of(cascaded));
  EXPECT_EQ(events[1].at("data").as_object(), cascaded);
  EXPECT_EQ(str(events[2].at("recordId")), fixtures::id_of(nulled));
  // The record after the change is what GET now shows.
  const HttpResponse now = client.get("/api/items/" + fixtures::id_of(nulled), admin.bearer());
  ASSERT_EQ(now.status, 200);
  EXPECT_TRUE(events[2].at("data").at("fallback").is_null());
  EXPECT_EQ(events[2].at("data").as_object(), now.json().as_object());
}

TEST_F(Events, ReadersFollowSinceAndLimit) {
  const Account ada = fixtures::sign_up(client, "ada@example.com");
  const std::int64_t start = events_after(client, admin, 0, 3).back().at("seq").as_int64();
  for (int i = 0; i < 5; ++i) fixtures::create(client, "projects", {{"name", fixtures::numbered("P", i)}}, ada);
  events_after(client, admin, start, 5);  // all numbered

  std::vector<std::int64_t> seen;
  std::int64_t since = start;
  for (int pages = 0; pages < 3; ++pages) {
    const Page p = page_of(get_events(client, admin, "?since=" + std::to_string(since) + "&limit=2"));
    EXPECT_LE(p.events.size(), 2u);
    for (const auto& e : p.events) seen.push_back(e.at("seq").as_int64());
    if (!p.events.empty()) {
      EXPECT_EQ(p.next_since, p.events.back().at("seq").as_int64());
    }
    EXPECT_EQ(p.head_seq, start + 5);
    since = p.next_since;
  }
  ASSERT_EQ(seen.size(), 5u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], start + 1 + static_cast<std::int64_t>(i));

  // At or past the head: nothing, nextSince = since, never an error.
  for (std::int64_t at : {start + 5, start + 500}) {
    const Page p = page_of(get_events(client, admin, "?since=" + std::to_string(at)));
    EXPECT_TRUE(p.events.empty());
    EXPECT_EQ(p.next_since, at);
    EXPECT_EQ(p.head_seq, start + 5);
  }
  // Defaults: since=0, limit=100.
  EXPECT_EQ(page_of(get_events(client, admin, "")).events.size(), static_cast<std::size_t>(start + 5));

  for (const char* bad : {"?since=-1", "?since=abc", "?since=1.5", "?since=", "?since=99999999999999999999"}) {
    fixtures::expect_validation(get_events(client, admin, bad), {"since"});
  }
  for (const char* bad : {"?limit=0", "?limit=1001", "?limit=x", "?limit=-3"}) {
    fixtures::expect_validation(get_events(client, admin, bad), {"limit"});
  }
  fixtures::expect_validation(get_events(client, admin, "?since=x&limit=0&what=1"), {"limit", "since", "what"});
  EXPECT_EQ(page_of(get_events(client, admin, "?limit=1000")).events.size(), static_cast<std::size_t>(start + 5));

  expect_error(client.get("/api/events", ada.bearer()), 403, "FORBIDDEN");
  expect_error(client.get("/api/events?since=x", ada.bearer()), 403, "FORBIDDEN");
  expect_error(client.get("/api/events"), 401, "UNAUTHORIZED");
}

class EventsKeptAMinute : public Events {
 protected:
  EventsKeptAMinute() : Events(fixtures::default_resources(), std::chrono::seconds(60)) {}
};

TEST_F(EventsKeptAMinute, ReadersBehindTrimmedEventsAreToldToResync) {
  const Account ada = fixtures::sign_up(client, "ada@example.com");
  fixtures::create(client, "projects", {{"name", "old"}}, ada);
  // users.created (the first admin), its sign-in, ada's sign-up, the project.
  const std::int64_t old_head = events_after(client, admin, 0, 4).back().at("seq").as_int64();

  // A minute and a second later the old events are past EVENTS_RETENTION; a new one is not.
  clock.advance(std::chrono::seconds(61));
  const auto young = fixtures::create(client, "projects", {{"name", "young"}}, ada);
  events_after(client, admin, old_head, 1);

  // A relay's bound holds the trim back: nothing past it goes.
  EXPECT_EQ(run_sync([&] { return server.app().events().trim(old_head - 1); }), old_head - 1);
  EXPECT_EQ(page_of(get_events(client, admin, "?since=" + std::to_string(old_head - 1))).events.size(), 2u);
  EXPECT_EQ(run_sync([&] { return server.app().events().trim(); }), 1);

  for (const std::string& since : {std::string("0"), std::to_string(old_head - 1)}) {
    const HttpResponse res = get_events(client, admin, "?since=" + since);
    expect_error(res, 400, "VALIDATION_ERROR");
    EXPECT_EQ(str(fixtures::details_of(res).at("since")), "resync required");
  }
  const Page p = page_of(get_events(client, admin, "?since=" + std::to_string(old_head)));
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(str(p.events[0].at("recordId")), fixtures::id_of(young));
  EXPECT_EQ(p.head_seq, old_head + 1);

  // Trimming everything keeps the numbering going above what was trimmed.
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(run_sync([&] { return server.app().events().trim(); }), 1);
  const Page empty = page_of(get_events(client, admin, "?since=" + std::to_string(old_head + 1)));
  EXPECT_TRUE(empty.events.empty());
  EXPECT_EQ(empty.head_seq, old_head + 1);
  fixtures::create(client, "projects", {{"name", "newest"}}, ada);
  const boost::json::array after = events_after(client, admin, old_head + 1, 1);
  EXPECT_EQ(after[0].at("seq").as_int64(), old_head + 2);
}

// Nobody calls trim() here: keel's own retention job (every 10 s, a real timer) trims the expired
// events, so a reader behind them is told to resync within its period; and keel is still serving
// after the job ran. (The job once read the relay's place through a null relay, keel without
// AMQP_URL, and keel died 10 s after every start.)
TEST_F(EventsKeptAMinute, TheRetentionJobTrimsExpiredEventsByItself) {
  const Account ada = fixtures::sign_up(client, "ada@example.com");
  fixtures::create(client, "projects", {{"name", "old"}}, ada);
  ASSERT_EQ(get_events(client, admin, "?since=0").status, 200);
  clock.advance(std::chrono::seconds(61));

  HttpResponse res = get_events(client, admin, "?since=0");
  for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
       res.status == 200 && std::chrono::steady_clock::now() < until; res = get_events(client, admin, "?since=0")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  expect_error(res, 400, "VALIDATION_ERROR");
  EXPECT_EQ(client.get("/healthz").status, 200);
}

TEST_F(Events, WrittenEventsAreCountedOnMetrics) {
  const auto count = [&] {
    const std::string text = client.get("/metrics").body;
    const auto at = text.find("\nkeel_events_written_total ");
    EXPECT_NE(at, std::string::npos) << text;
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + 27));
  };
  const double before = count();
  const Account ada = fixtures::sign_up(client, "ada@example.com");
  fixtures::create(client, "projects", {{"name", "P"}}, ada);
  fixtures::expect_validation(client.post("/api/projects", R"({"name":""})", ada.bearer()), {"name"});
  EXPECT_EQ(count(), before + 2);
}

// Two instances on one database, writing at once while a reader follows `since` on one of them:
// the sequencers take turns (advisory lock), and the reader gets every event exactly once, in
// one increasing run of seq.
TEST(EventsTwoInstances, AReaderFollowingSinceGetsEveryInstancesEventsOnce) {
  TestDatabase database(test_backend());  // outlives both servers
  const auto config = [&](app::Config& c) {
    fixtures::configure(c, fixtures::default_resources());
    c.database_url = database.url();
  };
  TestServer first(config);
  TestServer second(config);
  HttpClient reader = first.client();
  const Account admin = fixtures::sign_in(reader, fixtures::kAdminEmail, fixtures::kAdminPassword);
  std::vector<std::thread> writers;
  constexpr int kPerWriter = 40;
  for (TestServer* server : {&first, &second}) {
    for (int w = 0; w < 2; ++w) {
      writers.emplace_back([server, w] {
        HttpClient client = server->client();
        const Account me = fixtures::sign_up(client, fixtures::numbered("w", server->port() * 10 + w) + "@example.com");
        for (int i = 0; i < kPerWriter; ++i) fixtures::create(client, "projects", {{"name", fixtures::numbered("P", i)}}, me);
      });
    }
  }
  // users.created, the admin's sign-in, then per writer a sign-up and its records.
  const std::size_t expected = 2 + 4 * (1 + kPerWriter);
  std::vector<std::int64_t> seqs;
  std::set<std::string> ids;
  std::int64_t since = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (seqs.size() < expected && std::chrono::steady_clock::now() < deadline) {
    const Page p = page_of(get_events(reader, admin, "?since=" + std::to_string(since) + "&limit=7"));
    for (const auto& e : p.events) {
      seqs.push_back(e.at("seq").as_int64());
      ids.insert(str(e.at("id")));
    }
    since = p.next_since;
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(seqs.size(), expected);
  EXPECT_EQ(ids.size(), expected) << "no event twice";
  for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_GT(seqs[i], seqs[i - 1]);
}

// THE test of §9's ordering promise. Transaction A inserts its event first, B after it.
//
// On PostgreSQL B commits first. A reader following `since` must still get A once A commits. Had
// seq been taken at insert (an identity column), A would hold the lower number: the reader, having
// read B, asks for seq > B's and never sees A. The sequencer numbers A only once it committed,
// above B.
//
// On SQLite no commit can overtake another: B waits for A's writer (BEGIN IMMEDIATE, one writer)
// and commits after it, so seq, taken at insert, is commit order. The test holds A open and checks
// that B has not committed and the reader sees neither, then lets A go: A, then B.
TEST(EventsOrder, AReaderFollowingSinceSeesAnOutOfOrderCommitExactlyOnce) {
  const bool postgres = test_backend() == "postgres";
  TestServer server([](app::Config& c) { fixtures::configure(c, fixtures::default_resources()); });
  storage::Database& db = server.app().database();
  events::EventLog& log = server.app().events();
  const std::string actor = new_uuid_v7();
  const auto event = [&](const char* type) {
    return events::Event{type, "tests", new_uuid_v7(), actor, "{}"};
  };

  asio::io_context io;
  asio::steady_timer a_may_commit(io, asio::steady_timer::time_point::max());
  bool a_inserted = false, a_committed = false, b_committed = false;
  std::vector<boost::json::array> pages;
  std::int64_t since = 0;

  const auto read_all = [&]() -> Task<void> {
    // Before and after the step: whatever the log shows, nothing of A before A commits.
    co_await log.sequence();
    events::EventPage p = co_await log.read(since, 1000);
    pages.push_back(boost::json::parse(p.json).at("data").as_array());
    since = p.next_since;
  };
  const auto yield = [&]() -> Task<void> {
    asio::steady_timer t(io, std::chrono::milliseconds(5));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  };
  const auto commit_b = [&]() -> Task<void> {
    co_await db.transaction([&](storage::Transaction& tx) -> Task<void> { co_await log.record(tx, event("tests.b")); });
    b_committed = true;
  };

  asio::co_spawn(io, [&]() -> Task<void> {
    co_await log.sequence();
    since = (co_await log.read(0, 1)).head_seq;
    co_await read_all();  // nothing new yet
    asio::co_spawn(io, [&]() -> Task<void> {
      co_await db.transaction([&](storage::Transaction& tx) -> Task<void> {
        co_await log.record(tx, event("tests.a"));
        a_inserted = true;
        co_await a_may_commit.async_wait(asio::as_tuple(asio::use_awaitable));
      });
      a_committed = true;
    }, asio::detached);
    while (!a_inserted) co_await yield();
    if (postgres) {
      co_await commit_b();
      co_await read_all();  // B is there, A is not
    } else {
      asio::co_spawn(io, commit_b(), asio::detached);
      for (int i = 0; i < 20; ++i) co_await yield();  // 100 ms in which B could overtake A
      EXPECT_FALSE(b_committed) << "B committed while A held the writer";
      co_await read_all();  // neither
    }
    a_may_commit.cancel();
    while (!a_committed || !b_committed) co_await yield();
    co_await read_all();  // A now (and, on SQLite, B after it)
  }, [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();

  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(types_of(pages[0]), std::vector<std::string>{});
  if (postgres) {
    EXPECT_EQ(types_of(pages[1]), std::vector<std::string>{"tests.b"});
    EXPECT_EQ(types_of(pages[2]), std::vector<std::string>{"tests.a"}) << "A, committed last, comes after B";
    ASSERT_EQ(pages[1].size(), 1u);
    ASSERT_EQ(pages[2].size(), 1u);
    EXPECT_LT(pages[1][0].at("seq").as_int64(), pages[2][0].at("seq").as_int64());
  } else {
    EXPECT_EQ(types_of(pages[1]), std::vector<std::string>{});
    EXPECT_EQ(types_of(pages[2]), (std::vector<std::string>{"tests.a", "tests.b"})) << "B waited for A";
  }
}

}  // namespace
}  // namespace keel::test
