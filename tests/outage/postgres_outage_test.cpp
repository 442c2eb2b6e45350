// PostgreSQL stops during traffic and comes back: requests in between get 503 (never a hang
// or a crash), keel recovers by itself, and no acknowledged write is lost. This test stops
// the shared test server, so ctest runs it alone (RUN_SERIAL).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "core/ids.hpp"
#include "core/run_sync.hpp"
#include "http/json_body.hpp"
#include "support/expect.hpp"
#include "support/test_database.hpp"
#include "support/test_server.hpp"

namespace keel::test {
namespace {

using namespace std::chrono_literals;

void pg_ctl(const std::string& action) {
  const char* ctl = std::getenv("KEEL_TEST_POSTGRES_CTL");
  ASSERT_NE(ctl, nullptr);
  ASSERT_EQ(std::system((std::string(ctl) + " " + action).c_str()), 0) << action;
}

// POST /api/notes {"id": "..."} inserts a row and answers 201 once it is committed.
void add_notes_route(app::App& app) {
  run_sync([&] { return app.database().execute("CREATE TABLE notes (id TEXT PRIMARY KEY)"); });
  storage::Database& db = app.database();
  app.router().add(http::Method::post, "/api/notes", [&db](http::Request& req, http::Context&) -> Task<http::Response> {
    const std::string id(http::require_json_object(req).at("id").as_string());
    storage::Params params{id};
    co_await db.execute("INSERT INTO notes (id) VALUES ($1)", std::move(params));
    co_return http::Response::json_text(201, "{}");
  });
}

TEST(PostgresOutage, RequestsGet503DuringTheOutageAndNoAcknowledgedWriteIsLost) {
  if (postgres_test_url().empty() || !std::getenv("KEEL_TEST_POSTGRES_CTL")) {
    GTEST_SKIP() << "set KEEL_TEST_POSTGRES_URL and KEEL_TEST_POSTGRES_CTL (make test does)";
  }
  setenv("KEEL_TEST_BACKEND", "postgres", 1);  // this test is about PostgreSQL, whatever the run
  TestServer server([](app::Config&) {}, add_notes_route);
  HttpClient client = server.client();
  std::set<std::string> acknowledged;
  int unavailable = 0;
  auto post = [&] {
    const std::string id = new_uuid_v7();
    const auto started = std::chrono::steady_clock::now();
    const HttpResponse res = client.post("/api/notes", R"({"id":")" + id + R"("})");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 7s) << "a request during the outage must not hang";
    if (res.status == 201) {
      acknowledged.insert(id);
    } else {
      expect_error(res, 503, "SERVICE_UNAVAILABLE");
      ++unavailable;
    }
    return res.status;
  };

  for (int i = 0; i < 50; ++i) ASSERT_EQ(post(), 201);
  pg_ctl("stop fast");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(post(), 503);
  expect_error(client.get("/readyz"), 503, "SERVICE_UNAVAILABLE");
  pg_ctl("start");

  // keel reconnects by itself: within a few requests writes succeed again.
  int recovered_after = -1;
  for (int i = 0; i < 50 && recovered_after < 0; ++i) {
    if (post() == 201) recovered_after = i;
  }
  ASSERT_GE(recovered_after, 0) << "keel did not recover after PostgreSQL came back";
  EXPECT_LE(recovered_after, 2);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(post(), 201);
  EXPECT_EQ(client.get("/readyz").status, 200);

  // Every write that got a 201 is there.
  const auto rows = run_sync([&] { return server.app().database().query("SELECT id FROM notes"); });
  std::set<std::string> stored;
  for (const auto& row : rows.rows) stored.insert(std::get<std::string>(row[0]));
  for (const auto& id : acknowledged) EXPECT_EQ(stored.count(id), 1u) << id;
  EXPECT_GE(unavailable, 10);
}

}  // namespace
}  // namespace keel::test
