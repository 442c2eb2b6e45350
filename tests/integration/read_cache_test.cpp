// Issue 16 / API.md §12: the read cache (CACHE=on by default). On SQLite it lives in the process
// and serves repeated reads; on PostgreSQL without Redis it is off. Either way a read sent after
// a write's answer never shows the state before that write, and no caller sees through the
// cache what the access rules hide. (Two instances through Redis: tests/redis/.)
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "integration/resource_fixtures.hpp"
#include "support/test_database.hpp"

namespace keel::test {
namespace {

using namespace fixtures;

std::string field(const HttpResponse& res, const char* name) {
  EXPECT_EQ(res.status, 200) << res.body;
  if (res.status != 200) return "<" + std::to_string(res.status) + ">";
  const auto body = res.json();  // kept: at() returns into it
  const auto& v = body.at(name);
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

long long total(const HttpResponse& res) {
  EXPECT_EQ(res.status, 200) << res.body;
  if (res.status != 200) return -1;
  return res.json().at("meta").at("total").as_int64();
}

class ReadCache : public ::testing::Test {
 protected:
  void start(bool cache = true) {
    server_ = std::make_unique<TestServer>([&](app::Config& c) {
      configure(c, default_resources());
      c.database_url = database_.url();
      c.cache = cache;
    });
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  HttpClient& client() { return *client_; }
  // The cache serves on SQLite only (one instance); on PostgreSQL without Redis it is off.
  bool cached() const { return test_backend() == "sqlite"; }

  TestDatabase database_{test_backend()};
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ReadCache, ARecordReadAgainComesFromTheCacheAndEveryWriteIsSeenByTheNextRead) {
  start();
  const Account ada = sign_up(client(), "ada@example.com");
  const auto project = create(client(), "projects", {{"name", "P"}}, ada);
  const auto task = create(client(), "tasks", {{"title", "v0"}, {"project", id_of(project)}}, ada);
  const std::string path = "/api/tasks/" + id_of(task);
  ASSERT_EQ(field(client().get(path, ada.bearer()), "title"), "v0");
  const double hits = metric(client(), "keel_cache_hits_total");
  for (int i = 1; i <= 200; ++i) {
    const std::string title = numbered("v", i);
    ASSERT_EQ(client().request("PATCH", path, json_text({{"title", title}}), ada.bearer()).status, 200);
    ASSERT_EQ(field(client().get(path, ada.bearer()), "title"), title) << "stale after write " << i;
    ASSERT_EQ(field(client().get(path, ada.bearer()), "title"), title);  // the second from the cache
  }
  // Half of those reads were hits where the cache is on, none where it is off.
  const double served = metric(client(), "keel_cache_hits_total") - hits;
  if (cached()) {
    EXPECT_GE(served, 200);
  } else {
    EXPECT_EQ(served, 0);
  }
  // The ETag is the cached record's: a conditional GET still answers 304.
  const HttpResponse fresh = client().get(path, ada.bearer());
  const HttpResponse again = client().get(path, {{"Authorization", "Bearer " + ada.token},
                                                 {"If-None-Match", fresh.header("etag")}});
  EXPECT_EQ(again.status, 304);
}

TEST_F(ReadCache, NoCallerSeesThroughTheCacheWhatTheRulesHide) {
  start();
  const Account ada = sign_up(client(), "ada@example.com");
  const Account bob = sign_up(client(), "bob@example.com");
  const Account root = sign_in(client(), kAdminEmail, kAdminPassword);
  const auto project = create(client(), "projects", {{"name", "P"}}, ada);
  const auto task = create(client(), "tasks", {{"title", "ada's"}, {"project", id_of(project)}}, ada);
  const std::string path = "/api/tasks/" + id_of(task);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client().get(path, ada.bearer()).status, 200);
    EXPECT_EQ(client().get(path, bob.bearer()).status, 404);  // owner rule: not found for others
    EXPECT_EQ(client().get(path, root.bearer()).status, 200);
    EXPECT_EQ(client().get(path).status, 401);
    // Lists: each caller's own scope, whoever asked first.
    EXPECT_EQ(total(client().get("/api/tasks", ada.bearer())), 1);
    EXPECT_EQ(total(client().get("/api/tasks", bob.bearer())), 0);
    EXPECT_EQ(total(client().get("/api/tasks", root.bearer())), 1);
  }
  // An unknown id is "not found", cached or not, and a record created under that shape of
  // request afterwards is found.
  EXPECT_EQ(client().get("/api/tasks/00000000-0000-7000-8000-000000000000", ada.bearer()).status, 404);
  EXPECT_EQ(client().get("/api/tasks/00000000-0000-7000-8000-000000000000", ada.bearer()).status, 404);
}

TEST_F(ReadCache, ListTotalsAndExpandedRecordsFollowEveryWrite) {
  start();
  const Account ada = sign_up(client(), "ada@example.com");
  const auto project = create(client(), "projects", {{"name", "before"}}, ada);
  const std::string list = "/api/tasks?status=todo&sort=-priority&expand=project";
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(id_of(create(client(), "tasks", {{"title", numbered("T", i)}, {"project", id_of(project)}}, ada)));
    EXPECT_EQ(total(client().get(list, ada.bearer())), i + 1);
    EXPECT_EQ(total(client().get(list, ada.bearer())), i + 1);
  }
  EXPECT_EQ(client().request("DELETE", "/api/tasks/" + ids[0], {}, ada.bearer()).status, 204);
  EXPECT_EQ(total(client().get(list, ada.bearer())), 4);
  EXPECT_EQ(client().get("/api/tasks/" + ids[0], ada.bearer()).status, 404);

  // A change to the expanded record shows in the cached page of the other resource.
  auto expanded_name = [&] {
    const auto data = data_of(client().get(list, ada.bearer()));
    return data.empty() ? std::string("<none>")
                        : std::string(data.at(0).at("project").at("name").as_string());
  };
  EXPECT_EQ(expanded_name(), "before");
  EXPECT_EQ(client().request("PATCH", "/api/projects/" + id_of(project), json_text({{"name", "after"}}), ada.bearer()).status, 200);
  EXPECT_EQ(expanded_name(), "after");

  // A delete that cascades (project -> its tasks) empties the cached list and records.
  EXPECT_EQ(client().get("/api/tasks/" + ids[1], ada.bearer()).status, 200);
  EXPECT_EQ(client().request("DELETE", "/api/projects/" + id_of(project), {}, ada.bearer()).status, 204);
  EXPECT_EQ(total(client().get(list, ada.bearer())), 0);
  EXPECT_EQ(client().get("/api/tasks/" + ids[1], ada.bearer()).status, 404);
}

TEST_F(ReadCache, AUsersDeletionTakesTheirCachedRecordsWithIt) {
  start();
  const Account ada = sign_up(client(), "ada@example.com");
  const Account root = sign_in(client(), kAdminEmail, kAdminPassword);
  const auto project = create(client(), "projects", {{"name", "P"}}, ada);
  const auto task = create(client(), "tasks", {{"title", "T"}, {"project", id_of(project)}}, ada);
  const std::string path = "/api/tasks/" + id_of(task);
  EXPECT_EQ(client().get(path, root.bearer()).status, 200);
  EXPECT_EQ(total(client().get("/api/tasks", root.bearer())), 1);
  EXPECT_EQ(client().request("DELETE", "/api/users/" + ada.id, {}, root.bearer()).status, 204);
  EXPECT_EQ(client().get(path, root.bearer()).status, 404);
  EXPECT_EQ(total(client().get("/api/tasks", root.bearer())), 0);
}

TEST_F(ReadCache, CacheOffServesEveryReadFromTheDatabase) {
  start(false);
  const Account ada = sign_up(client(), "ada@example.com");
  const auto project = create(client(), "projects", {{"name", "P"}}, ada);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client().get("/api/projects/" + id_of(project), ada.bearer()).status, 200);
  EXPECT_EQ(metric(client(), "keel_cache_hits_total"), 0);
}

}  // namespace
}  // namespace keel::test
