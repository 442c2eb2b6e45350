// Several stateless keel instances on one database see each other's writes at once.
#include <gtest/gtest.h>

#include <thread>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/run_sync.hpp"
#include "http/json_body.hpp"
#include "support/test_database.hpp"
#include "support/test_server.hpp"

namespace keel::test {
namespace {

// POST /api/notes {"id"} stores a row; GET /api/notes/:id answers 200 or 404.
void add_notes_routes(app::App& app) {
  run_sync([&] { return app.database().execute("CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY)"); });
  storage::Database& db = app.database();
  app.router().add(http::Method::post, "/api/notes", [&db](http::Request& req, http::Context&) -> Task<http::Response> {
    storage::Params params{std::string(http::require_json_object(req).at("id").as_string())};
    co_await db.execute("INSERT INTO notes (id) VALUES ($1)", std::move(params));
    co_return http::Response::json_text(201, "{}");
  });
  app.router().add(http::Method::get, "/api/notes/:id", [&db](http::Request&, http::Context& ctx) -> Task<http::Response> {
    storage::Params params{std::string(ctx.param("id"))};
    const storage::Result r = co_await db.query("SELECT id FROM notes WHERE id = $1", std::move(params));
    if (r.rows.empty()) throw Error::not_found();
    co_return http::Response::json_text(200, "{}");
  });
}

TEST(MultiInstance, TwoInstancesOnOneDatabaseSeeEachOthersWrites) {
  TestServer a({}, add_notes_routes);
  const std::string shared = a.app().config().database_url;
  TestServer b([&](app::Config& c) { c.database_url = shared; }, add_notes_routes);
  HttpClient ca = a.client();
  HttpClient cb = b.client();
  for (int i = 0; i < 20; ++i) {
    const std::string id = new_uuid_v7();
    HttpClient& writer = i % 2 ? cb : ca;
    HttpClient& reader = i % 2 ? ca : cb;
    ASSERT_EQ(writer.post("/api/notes", R"({"id":")" + id + R"("})").status, 201);
    EXPECT_EQ(reader.get("/api/notes/" + id).status, 200) << "the other instance sees the write at once";
  }
  EXPECT_EQ(cb.get("/api/notes/" + new_uuid_v7()).status, 404);
}

}  // namespace
}  // namespace keel::test

namespace keel::test {
namespace {

// Without Redis: instance B learns of a logout on A through the database, within a second.
TEST(MultiInstance, LogoutOnOneInstanceIsHonouredByTheOtherWithinOneSecond) {
  const std::string secret(40, 's');
  auto shared_secret = [&](app::Config& c) {
    c.jwt_secret = secret;
    c.bcrypt_cost = 4;
  };
  TestServer a(shared_secret);
  const std::string url = a.app().config().database_url;
  TestServer b([&](app::Config& c) {
    shared_secret(c);
    c.database_url = url;
  });
  HttpClient ca = a.client();
  HttpClient cb = b.client();
  const HttpResponse reg = ca.post("/api/auth/register", R"({"email":"ada@example.com","password":"correct horse","name":"Ada"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  const std::string token(reg.json().at("accessToken").as_string());
  const HeaderList bearer{{"Authorization", "Bearer " + token}};
  ASSERT_EQ(cb.get("/api/auth/me", bearer).status, 200) << "B accepts A's token";

  ASSERT_EQ(ca.request("POST", "/api/auth/logout", {}, bearer).status, 204);
  EXPECT_EQ(ca.get("/api/auth/me", bearer).status, 401) << "A refuses it at once";
  const auto started = std::chrono::steady_clock::now();
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() - started < std::chrono::seconds(3)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = cb.get("/api/auth/me", bearer).status;
  }
  EXPECT_EQ(status, 401);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1)) << "B refuses it within a second";
}

}  // namespace
}  // namespace keel::test

namespace keel::test {
namespace {

// The in-memory view of revocations is rebuilt from the database at start.
TEST(Restart, ALoggedOutTokenStaysRefusedAfterARestart) {
  // Outlives both servers: a TestServer's own PostgreSQL schema is dropped with it.
  TestDatabase database(test_backend());
  auto config = [&](app::Config& c) {
    c.jwt_secret = std::string(40, 'r');
    c.bcrypt_cost = 4;
    c.database_url = database.url();
  };
  std::string token;
  {
    TestServer first(config);
    HttpClient client = first.client();
    const HttpResponse reg =
        client.post("/api/auth/register", R"({"email":"ada@example.com","password":"correct horse","name":"Ada"})");
    ASSERT_EQ(reg.status, 201) << reg.body;
    token = std::string(reg.json().at("accessToken").as_string());
    ASSERT_EQ(client.request("POST", "/api/auth/logout", {}, {{"Authorization", "Bearer " + token}}).status, 204);
  }
  TestServer second(config);
  HttpClient client = second.client();
  EXPECT_EQ(client.get("/api/auth/me", {{"Authorization", "Bearer " + token}}).status, 401);
}

}  // namespace
}  // namespace keel::test
