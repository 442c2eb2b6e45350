// cache::RedisClient against the real Redis of scripts/with-redis.sh (KEEL_TEST_REDIS_URL), and
// keel's /readyz with REDIS_URL. Some tests stop, freeze and restart that server
// (KEEL_TEST_REDIS_CTL), so ctest runs these one at a time (RESOURCE_LOCK redis). Without the
// variables they fail, never skip.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "cache/redis_client.hpp"
#include "core/error.hpp"
#include "core/run_sync.hpp"
#include "integration/resource_fixtures.hpp"
#include "support/test_database.hpp"
#include "support/test_server.hpp"

namespace keel::cache {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) throw std::runtime_error(fmt::format("{} is unset: run the tests under scripts/with-redis.sh", name));
  return v;
}

// Runs the test server's control script (stop, start, pause, resume).
void ctl(const std::string& what) {
  ASSERT_EQ(std::system((env("KEEL_TEST_REDIS_CTL") + " " + what).c_str()), 0) << what;
}

// Puts the server back as it was, whatever the test did to it.
struct Restore {
  ~Restore() {
    std::system((env("KEEL_TEST_REDIS_CTL") + " resume").c_str());
    std::system((env("KEEL_TEST_REDIS_CTL") + " start").c_str());
  }
};

RedisOptions options() { return RedisOptions{.endpoint = parse_redis_url(env("KEEL_TEST_REDIS_URL"))}; }

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds within) {
  for (const auto until = Clock::now() + within; Clock::now() < until; std::this_thread::sleep_for(20ms)) {
    if (f()) return true;
  }
  return f();
}

Reply call(RedisClient& redis, std::vector<std::string> args) {
  Reply out;
  run_sync([&]() -> Task<void> { out = co_await redis.command(std::move(args)); });
  return out;
}

TEST(RedisClient, CommandsFromManyCallersAtOnceGetTheirOwnRepliesInOrder) {
  RedisClient redis(options());
  ASSERT_TRUE(eventually([&] { return redis.up(); }, 5s));
  const std::string key = fmt::format("keel-test:{}", Clock::now().time_since_epoch().count());
  EXPECT_EQ(call(redis, {"SET", key + ":v", std::string("a\0b\r\n", 5)}).text, "OK");
  const Reply got = call(redis, {"GET", key + ":v"});
  EXPECT_EQ(got.type, Reply::Type::kString);
  EXPECT_EQ(got.text, std::string("a\0b\r\n", 5)) << "binary-safe";
  EXPECT_EQ(call(redis, {"GET", key + ":none"}).type, Reply::Type::kNil);
  const Reply bad = call(redis, {"NOSUCHCOMMAND"});
  EXPECT_TRUE(bad.is_error()) << "an error reply is a reply";
  EXPECT_TRUE(redis.up());

  // 2 threads x 500 coroutines, pipelined on one connection: every INCR answer is its own.
  boost::asio::io_context io(2);
  std::mutex m;
  std::set<std::int64_t> seen;
  std::atomic<int> failures{0};
  for (int i = 0; i < 1000; ++i) {
    boost::asio::co_spawn(io, [&]() -> Task<void> {
      std::vector<std::string> incr{"INCR", key + ":n"};
      const Reply r = co_await redis.command(std::move(incr));
      std::lock_guard l(m);
      if (r.type != Reply::Type::kInteger || !seen.insert(r.integer).second) ++failures;
    }, [&](std::exception_ptr e) { if (e) ++failures; });
  }
  std::thread helper([&] { io.run(); });
  io.run();
  helper.join();
  EXPECT_EQ(failures, 0);
  ASSERT_EQ(seen.size(), 1000u);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), 1000);
  const Reply array = call(redis, {"MGET", key + ":n", key + ":none"});
  ASSERT_EQ(array.elements.size(), 2u);
  EXPECT_EQ(array.elements[0].text, "1000");
  EXPECT_EQ(array.elements[1].type, Reply::Type::kNil);
}

TEST(RedisClient, WhileRedisIsDownCommandsFailAtOnceAndItReconnectsByItself) {
  Restore restore;
  RedisClient redis(options());
  ASSERT_TRUE(eventually([&] { return redis.up(); }, 5s));
  ctl("stop");
  EXPECT_TRUE(eventually([&] { return !redis.up(); }, 3s)) << "a closed connection is seen at once";
  const auto started = Clock::now();
  EXPECT_THROW(call(redis, {"PING"}), Error);
  EXPECT_LT(Clock::now() - started, 100ms) << "no waiting for a server that is down";
  ctl("start");
  EXPECT_TRUE(eventually([&] { return redis.up(); }, 5s)) << "back by itself";
  EXPECT_EQ(call(redis, {"PING"}).text, "PONG");
}

TEST(RedisClient, AServerThatStopsAnsweringIsGivenUpAfterTheTimeoutAndFoundAgain) {
  Restore restore;
  RedisOptions o = options();
  o.timeout = 300ms;
  o.health_period = 200ms;
  RedisClient redis(o);
  ASSERT_TRUE(eventually([&] { return redis.up(); }, 5s));
  ctl("pause");  // the connection stays open; nothing answers
  const auto started = Clock::now();
  EXPECT_THROW(call(redis, {"PING"}), Error);
  const auto waited = Clock::now() - started;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 2s);
  EXPECT_TRUE(eventually([&] { return !redis.up(); }, 2s));
  ctl("resume");
  EXPECT_TRUE(eventually([&] { return redis.up(); }, 5s));
  EXPECT_EQ(call(redis, {"PING"}).text, "PONG");
}

TEST(RedisClient, AWrongPasswordKeepsItDown) {
  RedisOptions o = options();
  o.endpoint.password = "not the password";
  RedisClient redis(o);
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(redis.up());
  EXPECT_THROW(call(redis, {"PING"}), Error);
}

// API.md §7, §12: Redis in /readyz checks, "ok" or "down" within 10 s of a change, never making
// keel unready.
TEST(RedisReadiness, ReadyzShowsRedisDownAndUpAgainAndStaysReady) {
  Restore restore;
  test::TestServer server([](app::Config& c) { c.redis_url = env("KEEL_TEST_REDIS_URL"); });
  test::HttpClient client = server.client();
  auto redis_check = [&] {
    const test::HttpResponse res = client.get("/readyz");
    EXPECT_EQ(res.status, 200) << res.body;
    const auto body = boost::json::parse(res.body);
    const auto* r = body.at("checks").as_object().if_contains("redis");
    return r && r->is_string() ? std::string(r->as_string()) : std::string("<none>");
  };
  EXPECT_TRUE(eventually([&] { return redis_check() == "ok"; }, 10s));
  ctl("stop");
  EXPECT_TRUE(eventually([&] { return redis_check() == "down"; }, 10s));
  EXPECT_EQ(client.get("/healthz").status, 200);
  ctl("start");
  EXPECT_TRUE(eventually([&] { return redis_check() == "ok"; }, 10s));
  EXPECT_NE(server.logs().find("redis: up again"), std::string::npos) << server.logs();
}

// API.md §12: with Redis, a revoked session is refused by every instance within 100 ms of the
// revoking request's answer. Two instances on one PostgreSQL; five logouts on A, each token
// then tried on B every few ms. (Without the fan-out B learns from its 500 ms database poll: all
// five within 100 ms by luck is about 0.2^5.)
TEST(RedisRevocations, ALogoutOnOneInstanceIsRefusedOnTheOtherWithin100ms) {
  Restore restore;
  test::TestDatabase database("postgres");
  const auto config = [&](app::Config& c) {
    test::fixtures::configure(c, "");
    c.database_url = database.url();
    c.redis_url = env("KEEL_TEST_REDIS_URL");
  };
  test::TestServer a(config);
  test::TestServer b(config);
  test::HttpClient on_a = a.client();
  test::HttpClient on_b = b.client();
  for (auto* client : {&on_a, &on_b}) {
    ASSERT_TRUE(eventually([&] { return client->get("/readyz").body.find(R"("redis":"ok")") != std::string::npos; }, 10s));
  }
  test::fixtures::sign_up(on_a, "ada@example.com");
  for (int round = 0; round < 5; ++round) {
    const test::fixtures::Account ada = test::fixtures::sign_in(on_a, "ada@example.com");
    ASSERT_EQ(on_b.get("/api/auth/me", ada.bearer()).status, 200);
    const test::HttpResponse out = on_a.post("/api/auth/logout", "", ada.bearer());
    ASSERT_EQ(out.status, 204) << out.body;
    const auto answered = Clock::now();
    int status = 200;
    while (status == 200 && Clock::now() - answered < 1s) {
      status = on_b.get("/api/auth/me", ada.bearer()).status;
      if (status == 200) std::this_thread::sleep_for(2ms);
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - answered);
    EXPECT_EQ(status, 401);
    EXPECT_LE(took.count(), 100) << "round " << round;
  }
  // The announcements arrived on a subscription that stayed up (no reconnect in between).
  EXPECT_EQ(b.logs().find("is unavailable"), std::string::npos) << b.logs();
}

}  // namespace
}  // namespace keel::cache
