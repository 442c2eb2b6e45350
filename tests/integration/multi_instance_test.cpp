// Several stateless keel instances on one database see each other's writes at once.
#include <gtest/gtest.h>

#include <thread>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/run_sync.hpp"
#include "http/json_body.hpp"
#include "support/manual_clock.hpp"
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

// Issue 12, finding 8: a deleted user's access tokens stay refused, whatever instance they are
// shown to and after a restart, although the user's sessions are gone with the user.
namespace keel::test {
namespace {

void admin_config(app::Config& c, const std::string& url) {
  c.jwt_secret = std::string(40, 'd');
  c.bcrypt_cost = 4;
  c.rate_limit_auth = 0;
  c.admin_email = "root@example.com";
  c.admin_password = "root password";
  c.database_url = url;
}

HeaderList bearer_of(const HttpResponse& token_response) {
  return {{"Authorization", "Bearer " + std::string(token_response.json().at("accessToken").as_string())}};
}

// Root creates admin eve; returns eve's login response.
HttpResponse create_and_sign_in_eve(HttpClient& client, const HeaderList& root) {
  const HttpResponse created = client.post(
      "/api/users", R"({"email":"eve@example.com","password":"eve password","name":"Eve","role":"admin"})", root);
  EXPECT_EQ(created.status, 201) << created.body;
  const HttpResponse login = client.post("/api/auth/login", R"({"email":"eve@example.com","password":"eve password"})");
  EXPECT_EQ(login.status, 200) << login.body;
  return login;
}

// What eve's token can still do once she is deleted: nothing, and certainly not make admins.
void expect_eve_refused(HttpClient& client, const HeaderList& eve, const std::string& refresh_token) {
  EXPECT_EQ(client.get("/api/auth/me", eve).status, 401);
  EXPECT_EQ(client.get("/api/users", eve).status, 401);
  const HttpResponse made = client.post(
      "/api/users", R"({"email":"mallory@example.com","password":"mallory password","name":"M","role":"admin"})", eve);
  EXPECT_EQ(made.status, 401) << made.body;
  EXPECT_EQ(client.post("/api/auth/login", R"({"email":"mallory@example.com","password":"mallory password"})").status,
            401)
      << "no admin was made";
  EXPECT_EQ(client.post("/api/auth/refresh", R"({"refreshToken":")" + refresh_token + R"("})").status, 401);
}

TEST(Restart, ADeletedAdminsTokenStaysRefusedAfterARestart) {
  TestDatabase database(test_backend());  // outlives both servers
  HeaderList eve;
  std::string refresh;
  {
    TestServer first([&](app::Config& c) { admin_config(c, database.url()); });
    HttpClient client = first.client();
    const HttpResponse root = client.post("/api/auth/login", R"({"email":"root@example.com","password":"root password"})");
    ASSERT_EQ(root.status, 200) << root.body;
    const HttpResponse login = create_and_sign_in_eve(client, bearer_of(root));
    eve = bearer_of(login);
    refresh = std::string(login.json().at("refreshToken").as_string());
    ASSERT_EQ(client.get("/api/users", eve).status, 200);
    const std::string eve_id(login.json().at("user").at("id").as_string());
    ASSERT_EQ(client.request("DELETE", "/api/users/" + eve_id, {}, bearer_of(root)).status, 204);
    EXPECT_EQ(client.get("/api/auth/me", eve).status, 401);
  }
  TestServer second([&](app::Config& c) { admin_config(c, database.url()); });
  HttpClient client = second.client();
  expect_eve_refused(client, eve, refresh);
}

TEST(MultiInstance, ADeletedAdminsTokenIsRefusedByTheOtherInstanceWithinOneSecond) {
  TestServer a([](app::Config& c) { admin_config(c, c.database_url); });
  const std::string url = a.app().config().database_url;
  TestServer b([&](app::Config& c) { admin_config(c, url); });
  HttpClient ca = a.client();
  HttpClient cb = b.client();
  const HttpResponse root = ca.post("/api/auth/login", R"({"email":"root@example.com","password":"root password"})");
  ASSERT_EQ(root.status, 200) << root.body;
  const HttpResponse login = create_and_sign_in_eve(ca, bearer_of(root));
  const HeaderList eve = bearer_of(login);
  ASSERT_EQ(cb.get("/api/users", eve).status, 200) << "B accepts eve's token";

  // Eve deletes herself on A (an admin may).
  const std::string eve_id(login.json().at("user").at("id").as_string());
  ASSERT_EQ(ca.request("DELETE", "/api/users/" + eve_id, {}, eve).status, 204);
  const auto started = std::chrono::steady_clock::now();
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() - started < std::chrono::seconds(3)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = cb.get("/api/users", eve).status;
  }
  EXPECT_EQ(status, 401);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1)) << "B refuses it within a second";
  expect_eve_refused(cb, eve, std::string(login.json().at("refreshToken").as_string()));
}

// Issue 12, finding 6: until B's next poll (up to 0.5 s) B still takes the demoted admin's token;
// the role change itself asks the database whether the caller is still an admin.
TEST(MultiInstance, ADemotedAdminCannotPromoteThemselfBackOnAnotherInstance) {
  TestServer a([](app::Config& c) { admin_config(c, c.database_url); });
  const std::string url = a.app().config().database_url;
  TestServer b([&](app::Config& c) { admin_config(c, url); });
  HttpClient ca = a.client();
  HttpClient cb = b.client();
  const HttpResponse root = ca.post("/api/auth/login", R"({"email":"root@example.com","password":"root password"})");
  ASSERT_EQ(root.status, 200) << root.body;
  const HttpResponse login = create_and_sign_in_eve(ca, bearer_of(root));
  const HeaderList eve = bearer_of(login);
  const std::string eve_id(login.json().at("user").at("id").as_string());
  ASSERT_EQ(cb.get("/api/users", eve).status, 200) << "B accepts eve's token";

  ASSERT_EQ(ca.request("PATCH", "/api/users/" + eve_id, R"({"role":"user"})", bearer_of(root)).status, 200);
  const HttpResponse back = cb.request("PATCH", "/api/users/" + eve_id, R"({"role":"admin"})", eve);
  EXPECT_TRUE(back.status == 403 || back.status == 401) << back.status << " " << back.body;
  const HttpResponse seen = ca.get("/api/users/" + eve_id, bearer_of(root));
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.json().at("role").as_string(), "user");
}


// The records of revocations are dropped once no token they refuse can still be valid: after
// the longest ACCESS_TOKEN_TTL keel accepts (a day) and 5 s of overlap, not before.
TEST(Restart, RevocationRecordsAreDroppedOnceEveryTokenTheyRefuseHasExpired) {
  TestDatabase database(test_backend());
  ManualClock clock;
  auto config = [&](app::Config& c) {
    c.jwt_secret = std::string(40, 'r');
    c.bcrypt_cost = 4;
    c.database_url = database.url();
  };
  auto records = [&] {
    const storage::Result r =
        run_sync([&] { return database.db().query("SELECT count(*) FROM session_revocations"); });
    return std::get<std::int64_t>(r.rows[0][0]);
  };
  {
    TestServer first(config, {}, clock);
    HttpClient client = first.client();
    const HttpResponse reg =
        client.post("/api/auth/register", R"({"email":"ada@example.com","password":"correct horse","name":"Ada"})");
    ASSERT_EQ(reg.status, 201) << reg.body;
    ASSERT_EQ(client.request("POST", "/api/auth/logout", {}, bearer_of(reg)).status, 204);
  }
  EXPECT_EQ(records(), 1);
  clock.advance(std::chrono::hours(24));
  { TestServer second(config, {}, clock); }  // each start drops what has expired
  EXPECT_EQ(records(), 1) << "a token another instance issued with a TTL of a day may still be valid";
  clock.advance(std::chrono::seconds(6));
  { TestServer third(config, {}, clock); }
  EXPECT_EQ(records(), 0);
}

}  // namespace
}  // namespace keel::test
