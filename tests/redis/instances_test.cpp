// Issue 16 / API.md §12: two keel instances on one PostgreSQL with the Redis of
// scripts/with-redis.sh behave as one: reads cached through Redis are never stale on the other
// instance, the §3 limits count across both, and Redis stopped mid-traffic fails no request.
// (RESOURCE_LOCK redis: some of these stop the shared server.)
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "integration/resource_fixtures.hpp"
#include "support/test_database.hpp"
#include "support/test_server.hpp"
#include "support/ws_client.hpp"

namespace keel::test {
namespace {

using namespace std::chrono_literals;
using namespace fixtures;
using Clock = std::chrono::steady_clock;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) throw std::runtime_error(fmt::format("{} is unset: run the tests under scripts/with-redis.sh", name));
  return v;
}

void ctl(const std::string& what) { ASSERT_EQ(std::system((env("KEEL_TEST_REDIS_CTL") + " " + what).c_str()), 0) << what; }

struct Restore {
  ~Restore() { std::system((env("KEEL_TEST_REDIS_CTL") + " start").c_str()); }
};

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds within) {
  for (const auto until = Clock::now() + within; Clock::now() < until; std::this_thread::sleep_for(20ms)) {
    if (f()) return true;
  }
  return f();
}

// Something no other test (nor an earlier run on the same Redis) uses: keys in Redis outlive a test.
std::string unique(const std::string& prefix) {
  return fmt::format("{}{}", prefix, Clock::now().time_since_epoch().count());
}

std::string title_of(const HttpResponse& res) {
  if (res.status != 200) return fmt::format("<{}>", res.status);
  return std::string(res.json().at("title").as_string());
}

bool redis_ok(HttpClient& client) { return client.get("/readyz").body.find(R"("redis":"ok")") != std::string::npos; }

// Two instances on one fresh PostgreSQL schema, both with the test Redis.
struct Pair {
  explicit Pair(std::function<void(app::Config&)> more = {})
      : config([this, more](app::Config& c) {
          configure(c, default_resources());
          c.database_url = database.url();
          c.redis_url = env("KEEL_TEST_REDIS_URL");
          if (more) more(c);
        }),
        a(config),
        b(config),
        on_a(a.client()),
        on_b(b.client()) {
    for (auto* client : {&on_a, &on_b}) EXPECT_TRUE(eventually([&] { return redis_ok(*client); }, 10s));
  }
  TestDatabase database{"postgres"};
  std::function<void(app::Config&)> config;
  TestServer a;
  TestServer b;
  HttpClient on_a;
  HttpClient on_b;
};

TEST(RedisCache, AWriteOnOneInstanceIsReadFreshOnTheOtherAThousandTimesInARow) {
  Pair pair;
  const Account ada = sign_up(pair.on_a, unique("ada") + "@example.com");
  const auto project = create(pair.on_a, "projects", {{"name", "P"}}, ada);
  const std::string path = "/api/tasks/" + id_of(create(pair.on_a, "tasks", {{"title", "v"}, {"project", id_of(project)}}, ada));
  const std::string list = "/api/tasks?sort=-priority&limit=5";
  const double hits_before = metric(pair.on_a, "keel_cache_hits_total") + metric(pair.on_b, "keel_cache_hits_total");
  int stale = 0;
  for (int i = 0; i < 1000; ++i) {
    HttpClient& writer = i % 2 ? pair.on_b : pair.on_a;
    HttpClient& reader = i % 2 ? pair.on_a : pair.on_b;
    const std::string title = numbered("v", i);
    ASSERT_EQ(writer.request("PATCH", path, json_text({{"title", title}}), ada.bearer()).status, 200);
    // Read twice on the other instance (the second may come from the cache) and once here.
    for (HttpClient* c : {&reader, &reader, &writer}) {
      if (title_of(c->get(path, ada.bearer())) != title) ++stale;
    }
    if (i % 10 == 0) {
      const auto page = data_of(reader.get(list, ada.bearer()));
      if (page.empty() || page.at(0).at("title").as_string() != title) ++stale;
    }
  }
  EXPECT_EQ(stale, 0);
  // The cache did serve: a good part of those reads were hits.
  const double hits = metric(pair.on_a, "keel_cache_hits_total") + metric(pair.on_b, "keel_cache_hits_total") - hits_before;
  EXPECT_GE(hits, 500) << "the reads came from the database, not the cache";
}

// API.md §3, §12: ten failed logins for one email from one address, spread over the instances,
// lock that email for that address on both.
TEST(RedisLimits, TenFailedLoginsSpreadOverTwoInstancesGiveThe429) {
  Pair pair;
  const std::string email = unique("locked") + "@example.com";
  sign_up(pair.on_a, email);
  const std::string wrong = json_text({{"email", email}, {"password", "not the password"}});
  for (int i = 0; i < 10; ++i) {
    HttpClient& c = i % 2 ? pair.on_b : pair.on_a;
    EXPECT_EQ(c.post("/api/auth/login", wrong).status, 401) << "attempt " << i + 1;
  }
  const std::string right = json_text({{"email", email}, {"password", kUserPassword}});
  for (HttpClient* c : {&pair.on_a, &pair.on_b}) {
    const HttpResponse res = c->post("/api/auth/login", right);
    EXPECT_EQ(res.status, 429) << res.body;
    EXPECT_FALSE(res.header("retry-after").empty());
  }
}

// RATE_LIMIT_AUTH counts a client address's register/login/refresh requests on every instance.
TEST(RedisLimits, TheAuthRateLimitCountsAcrossInstances) {
  Pair pair([](app::Config& c) {
    c.rate_limit_auth = 6;
    c.trusted_proxies = {"127.0.0.1"};  // the client address comes from X-Forwarded-For
  });
  const std::string address = fmt::format("10.{}.{}.{}", std::rand() % 250, std::rand() % 250, std::rand() % 250);
  const HeaderList from{{"X-Forwarded-For", address}};
  const std::string body = json_text({{"email", unique("nobody") + "@example.com"}, {"password", "whatever1"}});
  for (int i = 0; i < 6; ++i) {
    HttpClient& c = i % 2 ? pair.on_b : pair.on_a;
    EXPECT_EQ(c.post("/api/auth/login", body, from).status, 401) << "request " << i + 1;
  }
  EXPECT_EQ(pair.on_a.post("/api/auth/login", body, from).status, 429);
  EXPECT_EQ(pair.on_b.post("/api/auth/login", body, from).status, 429);
}

// API.md §12: with Redis down, limits count per instance, and no sign-in fails for it.
TEST(RedisLimits, WhileRedisIsDownEachInstanceCountsOnItsOwnAndNoLoginFails) {
  Restore restore;
  Pair pair;
  const std::string email = unique("alone") + "@example.com";
  sign_up(pair.on_a, email);
  ctl("stop");
  ASSERT_TRUE(eventually([&] { return !redis_ok(pair.on_a) && !redis_ok(pair.on_b); }, 10s));
  EXPECT_EQ(pair.on_b.post("/api/auth/login", json_text({{"email", email}, {"password", kUserPassword}})).status, 200);
  const std::string wrong = json_text({{"email", email}, {"password", "not the password"}});
  for (int i = 0; i < 10; ++i) EXPECT_EQ(pair.on_a.post("/api/auth/login", wrong).status, 401) << "attempt " << i + 1;
  EXPECT_EQ(pair.on_a.post("/api/auth/login", wrong).status, 429);  // A counted its ten
  EXPECT_EQ(pair.on_b.post("/api/auth/login", wrong).status, 401);  // B has its own count
}

// API.md §12: Redis down or unreachable: requests keep succeeding, reads stay fresh, and /readyz
// says "ok" again within 10 s of its return.
TEST(RedisOutage, RedisStoppedDuringMixedTrafficOnBothInstancesFailsNoRequestAndNoReadIsStale) {
  Restore restore;
  Pair pair;
  const Account ada = sign_up(pair.on_a, unique("ada") + "@example.com");
  const auto project = create(pair.on_a, "projects", {{"name", "P"}}, ada);
  std::vector<std::string> paths;
  for (int i = 0; i < 2; ++i) {
    paths.push_back("/api/tasks/" + id_of(create(pair.on_a, "tasks", {{"title", "v"}, {"project", id_of(project)}}, ada)));
  }
  std::atomic<bool> done{false};
  std::atomic<int> failed{0}, stale{0}, requests{0};
  std::vector<std::string> failures;
  std::mutex failures_mutex;
  auto note = [&](const std::string& what) {
    std::lock_guard l(failures_mutex);
    if (failures.size() < 10) failures.push_back(what);
  };
  // Two clients, each writing its own task on one instance and reading it on both.
  auto traffic = [&](int k) {
    HttpClient writer = (k == 0 ? pair.a : pair.b).client();
    HttpClient reader = (k == 0 ? pair.b : pair.a).client();
    for (int i = 0; !done; ++i) {
      const std::string title = fmt::format("t{}-{}", k, i);
      const HttpResponse w = writer.request("PATCH", paths[k], json_text({{"title", title}}), ada.bearer());
      ++requests;
      if (w.status != 200) {
        ++failed;
        note(fmt::format("PATCH {} {}", w.status, w.body));
        continue;
      }
      for (HttpClient* c : {&reader, &reader, &writer}) {
        const HttpResponse r = c->get(paths[k], ada.bearer());
        ++requests;
        if (r.status != 200) {
          ++failed;
          note(fmt::format("GET {} {}", r.status, r.body));
        } else if (title_of(r) != title) {
          ++stale;
          note("stale: " + title_of(r) + " for " + title);
        }
      }
      const HttpResponse l = reader.get("/api/tasks?sort=-priority", ada.bearer());
      ++requests;
      if (l.status != 200) {
        ++failed;
        note(fmt::format("list {} {}", l.status, l.body));
      }
    }
  };
  std::thread one(traffic, 0), two(traffic, 1);
  std::this_thread::sleep_for(1s);
  ctl("stop");
  EXPECT_TRUE(eventually([&] { return !redis_ok(pair.on_a) && !redis_ok(pair.on_b); }, 10s));
  std::this_thread::sleep_for(2s);
  ctl("start");
  const auto back = Clock::now();
  EXPECT_TRUE(eventually([&] { return redis_ok(pair.on_a) && redis_ok(pair.on_b); }, 10s));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - back);
  EXPECT_LE(took.count(), 10'000);
  std::this_thread::sleep_for(1s);  // traffic on the cache again
  done = true;
  one.join();
  two.join();
  EXPECT_EQ(failed, 0) << fmt::format("{}", fmt::join(failures, "\n"));
  EXPECT_EQ(stale, 0) << fmt::format("{}", fmt::join(failures, "\n"));
  EXPECT_GT(requests, 100);
}

// API.md §10, §12: with Redis, a write on A reaches a subscriber on B within 100 ms, and a
// logout on A closes B's sockets of that session within 100 ms.
TEST(RedisRealtime, AWriteOnOneInstanceReachesASubscriberOnTheOtherWithin100msAndALogoutClosesItThere) {
  Pair pair;
  const Account ada = sign_up(pair.on_a, unique("ada") + "@example.com");
  const std::string project = id_of(create(pair.on_a, "projects", {{"name", "P"}}, ada));
  WsClient ws(pair.b.port());
  ws.send(boost::json::object{{"type", "auth"}, {"token", ada.token}});
  ASSERT_TRUE(ws.next().has_value());
  ws.send(boost::json::object{{"type", "subscribe"}, {"id", "s"}, {"resource", "tasks"}});
  ASSERT_TRUE(ws.next().has_value());
  for (int round = 0; round < 5; ++round) {
    const auto written = Clock::now();
    create(pair.on_a, "tasks", {{"title", numbered("T", round)}, {"project", project}}, ada);
    const auto event = ws.next(1s);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - written);
    ASSERT_TRUE(event.has_value()) << "round " << round;
    EXPECT_EQ(event->at("record").at("title").as_string(), numbered("T", round));
    EXPECT_LE(took.count(), 100) << "round " << round;
  }
  const auto out = Clock::now();
  ASSERT_EQ(pair.on_a.post("/api/auth/logout", "", ada.bearer()).status, 204);
  EXPECT_EQ(ws.closed(1s), 4401);
  EXPECT_LE(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - out).count(), 100);
}

}  // namespace
}  // namespace keel::test
