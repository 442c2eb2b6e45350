// Several stateless keel instances on one database see each other's writes at once.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/run_sync.hpp"
#include "http/json_body.hpp"
#include "support/test_server.hpp"

namespace keel::test {
namespace {

// POST /api/notes {"id"} stores a row; GET /api/notes/:id answers 200 or 404.
void add_notes_routes(app::App& app) {
  run_sync([&] { return app.database().execute("CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY)"); });
  storage::Database& db = app.database();
  app.router().add(http::Method::kPost, "/api/notes", [&db](http::Request&, http::Context& ctx) -> Task<http::Response> {
    storage::Params params{std::string(http::require_json_object(ctx).at("id").as_string())};
    co_await db.execute("INSERT INTO notes (id) VALUES ($1)", std::move(params));
    co_return http::Response::json_text(201, "{}");
  });
  app.router().add(http::Method::kGet, "/api/notes/:id", [&db](http::Request&, http::Context& ctx) -> Task<http::Response> {
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
