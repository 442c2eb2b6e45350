// The API.md §1–2 behaviour of the HTTP edge, through real HTTP: one table of scenarios.
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <thread>

#include <boost/json/parse.hpp>

#include "core/metrics.hpp"
#include "core/run_sync.hpp"
#include "integration/test_routes.hpp"
#include "storage/postgres/postgres_database.hpp"
#include "support/expect.hpp"
#include "support/test_database.hpp"
#include "support/test_server.hpp"

namespace keel::test {
namespace {

struct Scenario {
  std::string name;
  std::string method;
  std::string path;
  HeaderList headers;
  std::string body;
  int status;
  std::string code;           // expected error code, or "" for a success
  std::string body_contains;  // substring of the body, or ""
};

class ApiEdge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server = new TestServer({}, add_test_routes); }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  static TestServer* server;
};
TestServer* ApiEdge::server = nullptr;

TEST_F(ApiEdge, Scenarios) {
  const std::vector<Scenario> scenarios = {
      {"healthz", "GET", "/healthz", {}, "", 200, "", R"({"status":"ok"})"},
      {"readyz checks the database", "GET", "/readyz", {}, "", 200, "", R"("database":"ok")"},
      {"metrics", "GET", "/metrics", {}, "", 200, "", "# TYPE keel_http_requests_total counter"},
      {"unknown path", "GET", "/nope", {}, "", 404, "NOT_FOUND", ""},
      {"unknown api path", "GET", "/api/v1/nope", {}, "", 404, "NOT_FOUND", ""},
      {"wrong method", "DELETE", "/healthz", {}, "", 405, "METHOD_NOT_ALLOWED", ""},
      {"echo via /api alias", "POST", "/api/echo", {}, R"({"a":[1,{"b":null}]})", 201, "", R"({"a":[1,{"b":null}]})"},
      {"echo via /api/v1", "POST", "/api/v1/echo", {}, R"({"x":"ü"})", 201, "", R"({"x":"ü"})"},
      {"form body is 415", "POST", "/api/echo", {{"Content-Type", "application/x-www-form-urlencoded"}}, "a=1", 415,
       "UNSUPPORTED_MEDIA_TYPE", ""},
      {"text body is 415", "POST", "/api/echo", {{"Content-Type", "text/plain"}}, "{}", 415, "UNSUPPORTED_MEDIA_TYPE", ""},
      {"broken json", "POST", "/api/echo", {}, R"({"a":)", 400, "INVALID_JSON", ""},
      {"json array", "POST", "/api/echo", {}, "[1,2]", 400, "INVALID_JSON", "JSON object"},
      {"invalid utf-8", "POST", "/api/echo", {}, "{\"a\":\"\xff\"}", 400, "INVALID_JSON", ""},
      {"deep nesting", "POST", "/api/echo", {}, "{\"a\":" + std::string(5000, '['), 400, "INVALID_JSON", ""},
      {"no body where one is needed", "POST", "/api/echo", {{"Content-Type", "application/json"}}, "", 400,
       "INVALID_JSON", ""},
      {"bad query encoding", "GET", "/healthz?x=%zz", {}, "", 400, "VALIDATION_ERROR", R"("details":{"query")"},
      {"bad path encoding", "GET", "/api/users/%zz", {}, "", 400, "VALIDATION_ERROR", R"("details":{"path")"},
      {"exception leaks nothing", "GET", "/api/boom", {}, "", 500, "INTERNAL_ERROR", "An internal error occurred"},
  };
  HttpClient client = server->client();
  for (const auto& s : scenarios) {
    SCOPED_TRACE(s.name);
    const HttpResponse res = client.request(s.method, s.path, s.body, s.headers);
    if (s.code.empty()) {
      EXPECT_EQ(res.status, s.status) << res.body;
      EXPECT_TRUE(res.has_header("X-Request-Id"));
    } else {
      expect_error(res, s.status, s.code);
    }
    if (!s.body_contains.empty()) {
      EXPECT_NE(res.body.find(s.body_contains), std::string::npos) << res.body;
    }
  }
}

TEST_F(ApiEdge, A500NeverLeaksInternals) {
  const HttpResponse res = server->client().get("/api/boom");
  expect_error(res, 500, "INTERNAL_ERROR");
  for (const char* secret : {"SELECT", "password", "/srv", "secret.cpp", "users"}) {
    EXPECT_EQ(res.body.find(secret), std::string::npos) << secret;
  }
  // ...but the log has what an operator needs, with the request id.
  const std::string logs = server->wait_for_log(res.header("X-Request-Id"));
  EXPECT_NE(logs.find("secret.cpp:42"), std::string::npos);
  EXPECT_NE(logs.find(res.header("X-Request-Id")), std::string::npos);
}

TEST_F(ApiEdge, MethodNotAllowedListsTheAllowedMethods) {
  const HttpResponse res = server->client().request("PUT", "/healthz");
  expect_error(res, 405, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(res.header("Allow"), "GET, HEAD, OPTIONS");
}

TEST_F(ApiEdge, RequestIdIsEchoedWhenValidAndGeneratedOtherwise) {
  HttpClient client = server->client();
  EXPECT_EQ(client.get("/healthz", {{"X-Request-Id", "trace-1.2_3"}}).header("X-Request-Id"), "trace-1.2_3");
  const HttpResponse err = client.get("/nope", {{"X-Request-Id", "trace-404"}});
  EXPECT_EQ(err.header("X-Request-Id"), "trace-404");
  EXPECT_EQ(err.json().at("error").at("requestId").as_string(), "trace-404");
  const HttpResponse bad = client.get("/healthz", {{"X-Request-Id", "no spaces allowed"}});
  EXPECT_NE(bad.header("X-Request-Id"), "no spaces allowed");
  EXPECT_EQ(bad.header("X-Request-Id").size(), 36u);
  const std::string a = client.get("/healthz").header("X-Request-Id");
  const std::string b = client.get("/healthz").header("X-Request-Id");
  EXPECT_NE(a, b);
}

TEST_F(ApiEdge, SecurityHeadersOnEveryResponseAndNoStoreOnApi) {
  HttpClient client = server->client();
  for (const char* path : {"/healthz", "/nope", "/api/v1/nope"}) {
    const HttpResponse res = client.get(path);
    EXPECT_EQ(res.header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(res.header("X-Frame-Options"), "DENY") << path;
  }
  EXPECT_EQ(client.get("/api/v1/nope").header("Cache-Control"), "no-store");
  EXPECT_EQ(client.post("/api/echo", "{}").header("Cache-Control"), "no-store");
}

TEST_F(ApiEdge, HeadAnswersLikeGetWithoutABody) {
  const HttpResponse res = server->client().request("HEAD", "/healthz");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Length"), "15");
  EXPECT_TRUE(res.body.empty());
}

TEST_F(ApiEdge, MetricsCountRequestsByRouteTemplateAndStatus) {
  HttpClient client = server->client();
  client.get("/healthz");
  client.get("/no/such/path/1");
  client.get("/no/such/path/2");
  const std::string text = client.get("/metrics").body;
  EXPECT_NE(text.find(R"(keel_http_requests_total{route="/healthz",method="GET",status="200"})"), std::string::npos);
  EXPECT_NE(text.find(R"(keel_http_requests_total{route="unmatched",method="GET",status="404"})"), std::string::npos);
  EXPECT_EQ(text.find("/no/such/path"), std::string::npos) << "raw paths must not become label values";
  for (const char* family :
       {"keel_http_request_duration_seconds histogram", "keel_http_requests_in_flight gauge",
        "keel_http_connections_open gauge", "keel_db_query_duration_seconds histogram",
        "keel_cache_hits_total counter", "keel_cache_misses_total counter", "keel_rate_limit_rejections_total counter"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family), std::string::npos) << family;
  }
  EXPECT_EQ(text.find("keel_http_connections_open 0\n"), std::string::npos) << "this connection is open";
  EXPECT_NE(text.find("keel_http_requests_in_flight 1"), std::string::npos) << "the /metrics request itself";
}

TEST_F(ApiEdge, AccessLogHasOneLinePerRequestWithItsFields) {
  server->client().get("/healthz", {{"X-Request-Id", "access-log-probe"}});
  const std::string logs = server->wait_for_log("id=access-log-probe");
  const auto pos = logs.find("id=access-log-probe");
  ASSERT_NE(pos, std::string::npos) << logs;
  const std::string line = logs.substr(logs.rfind('\n', pos) + 1, logs.find('\n', pos) - logs.rfind('\n', pos) - 1);
  EXPECT_NE(line.find("GET \"/healthz\" 200 15B"), std::string::npos) << line;
  EXPECT_NE(line.find("ms "), std::string::npos) << line;
  EXPECT_NE(line.find("remote=127.0.0.1"), std::string::npos) << line;
}

TEST(ApiEdgeJsonLog, JsonFormatGivesOneObjectPerLine) {
  TestServer server([](app::Config& c) { c.log_format = app::LogFormat::kJson; });
  server.client().get("/healthz", {{"X-Request-Id", "json-probe"}});
  std::istringstream lines(server.wait_for_log("json-probe"));
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    boost::json::value v;
    ASSERT_NO_THROW(v = boost::json::parse(line)) << line;
    ASSERT_TRUE(v.is_object()) << line;
    EXPECT_TRUE(v.as_object().contains("time") && v.as_object().contains("level")) << line;
    if (v.as_object().contains("requestId") && v.at("requestId").as_string() == "json-probe") {
      found = true;
      EXPECT_EQ(v.at("method").as_string(), "GET");
      EXPECT_EQ(v.at("path").as_string(), "/healthz");
      EXPECT_EQ(v.at("status").as_int64(), 200);
      EXPECT_EQ(v.at("bytes").as_int64(), 15);
      EXPECT_TRUE(v.at("durationMs").is_double());
    }
  }
  EXPECT_TRUE(found) << server.logs();
}

TEST(ApiEdgeLogLevel, WarnLevelSilencesAccessLines) {
  TestServer server([](app::Config& c) { c.log_level = "warn"; });
  server.client().get("/healthz", {{"X-Request-Id", "quiet-probe"}});
  EXPECT_EQ(server.wait_for_log("quiet-probe", std::chrono::milliseconds(200)).find("quiet-probe"), std::string::npos);
}

TEST(ApiEdgeCors, AllowedOriginsGetCorsHeadersAndPreflight) {
  TestServer server([](app::Config& c) { c.cors_origins = {"https://app.example.com"}; }, add_test_routes);
  HttpClient client = server.client();
  const HttpResponse pre = client.request("OPTIONS", "/api/echo", {},
                                          {{"Origin", "https://app.example.com"},
                                           {"Access-Control-Request-Method", "POST"},
                                           {"Access-Control-Request-Headers", "authorization, content-type"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_NE(pre.header("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_NE(pre.header("Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  EXPECT_EQ(pre.header("Vary"), "Origin");

  const HttpResponse res = client.post("/api/echo", "{}", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(res.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_NE(res.header("Access-Control-Expose-Headers").find("X-Request-Id"), std::string::npos);

  const HttpResponse err = client.get("/nope", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(err.header("Access-Control-Allow-Origin"), "https://app.example.com") << "errors are readable too";

  // A malformed query string is found inside the pipeline too: CORS and no-store like any error.
  const HttpResponse bad_query = client.get("/api/echo?x=%zz", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(bad_query.status, 400);
  EXPECT_EQ(bad_query.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(bad_query.header("Cache-Control"), "no-store");

  const HttpResponse other = client.get("/healthz", {{"Origin", "https://evil.example.com"}});
  EXPECT_FALSE(other.has_header("Access-Control-Allow-Origin"));
}

// DB_STATEMENT_TIMEOUT: a statement past it is stopped where it runs, and the caller gets the 503
// of a database that did not answer in time. PostgreSQL cancels it on the server (it does not keep
// running there after keel gave up); SQLite interrupts it from its progress handler.
TEST(ApiEdgeStatementTimeout, AStatementPastTheTimeoutIsStoppedWhereItRuns) {
  const bool postgres = test_backend() == "postgres";
  // A marker of this run, so the check below sees only this test's statement.
  const std::string marker = "keel_timeout_probe_" + std::to_string(std::random_device{}());
  const std::string slow =
      postgres ? "SELECT pg_sleep(5) /* " + marker + " */"
               : "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
  TestServer server([](app::Config& c) { c.db_statement_timeout = std::chrono::milliseconds(300); },
                    [&](app::App& app) {
                      app.router().add(http::Method::get, "/api/sleep",
                                       [&app, slow](http::Request&, http::Context&) -> Task<http::Response> {
                                         co_await app.database().query(slow);
                                         co_return http::Response::empty(204);
                                       });
                    });
  HttpClient client = server.client();
  const auto started = std::chrono::steady_clock::now();
  const HttpResponse res = client.get("/api/sleep");
  const auto took = std::chrono::steady_clock::now() - started;
  expect_error(res, 503, "SERVICE_UNAVAILABLE");
  EXPECT_NE(res.body.find("did not answer in time"), std::string::npos) << res.body;
  EXPECT_LT(took, std::chrono::milliseconds(1500)) << "answered at the statement's timeout, not later";

  if (postgres) {
    // From another connection: the statement is no longer running (the cancel is immediate; allow
    // the server a moment to update pg_stat_activity).
    Metrics metrics;
    storage::PostgresDatabase observer(storage::PostgresOptions{.url = postgres_test_url(), .pool_size = 1}, metrics);
    std::int64_t running = -1;
    for (int i = 0; i < 20 && running != 0; ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const auto r = run_sync([&] {
        return observer.query(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND "
            "strpos(query, $1) > 0",
            {marker});
      });
      running = std::get<std::int64_t>(r.rows.at(0).at(0));
    }
    EXPECT_EQ(running, 0) << "pg_sleep still runs on the server after the timeout";
  }

  // The connection that ran it is still good: the next statement on the pool is served.
  EXPECT_EQ(client.get("/readyz").status, 200);
}

}  // namespace
}  // namespace keel::test

namespace keel::test {
namespace {

// Issue 12, finding 13: /metrics shows traffic and routes; METRICS_TOKEN keeps it private.
TEST(MetricsToken, WhenSetMetricsNeedsItAsABearerToken) {
  const std::string token = "metrics-token-0123456789";
  TestServer server([&](app::Config& c) { c.metrics_token = token; });
  HttpClient client = server.client();
  for (const HeaderList& wrong : std::vector<HeaderList>{{},
                                                         {{"Authorization", "Bearer wrong-token-0123456789"}},
                                                         {{"Authorization", "Bearer " + token + "x"}},
                                                         {{"Authorization", "Basic " + token}},
                                                         {{"Authorization", "Bearer "}}}) {
    const HttpResponse res = client.get("/metrics", wrong);
    expect_error(res, 401, "UNAUTHORIZED");
    EXPECT_EQ(res.body.find("keel_http_requests_total"), std::string::npos);
  }
  const HttpResponse ok = client.get("/metrics", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("# TYPE keel_http_requests_total counter"), std::string::npos);
  // Without the setting, /metrics stays open (development, a private network).
  TestServer open;
  EXPECT_EQ(open.client().get("/metrics").status, 200);
}

}  // namespace
}  // namespace keel::test
