// Issue 15: lists that no declared index serves get one built by keel (automatic indexes), and
// then read their page straight off it; past AUTO_INDEXES the log says what to declare.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/run_sync.hpp"
#include "integration/resource_fixtures.hpp"
#include "storage/sql_dialect.hpp"
#include "support/test_database.hpp"

namespace keel::test {
namespace {

using namespace fixtures;


// Waits up to 10 s for `series` to reach `value`.
bool await_metric(HttpClient& client, const std::string& series, double value) {
  for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    if (metric(client, series) >= value) return true;
  }
  return false;
}

std::vector<std::string> index_names(storage::Database& db) {
  std::vector<std::string> out;
  run_sync([&]() -> Task<void> {
    storage::Params params;
    params.emplace_back(std::string("tasks"));
    const storage::Result r = co_await db.query(std::string(db.dialect().index_names()), std::move(params));
    for (const auto& row : r.rows) out.push_back(std::get<std::string>(row.at(0)));
  });
  std::sort(out.begin(), out.end());
  return out;
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The automatic indexes among the table's indexes.
std::size_t automatic(const std::vector<std::string>& names) {
  return static_cast<std::size_t>(
      std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.ends_with("__auto"); }));
}

constexpr const char* kBuilt = R"(keel_list_auto_indexes_total{result="built"})";
constexpr const char* kLimit = R"(keel_list_auto_indexes_total{result="limit"})";
constexpr const char* kUnindexed = R"(keel_list_unindexed_pages_total{resource="tasks"})";

TEST(AutoIndexes, AListNoIndexServesGetsOneBuiltThenReadsItsPageOffItAlsoAfterARestart) {
  TestDatabase database(test_backend());  // outlives both servers
  const auto config = [&](app::Config& c) {
    configure(c, default_resources());
    c.database_url = database.url();
    c.auto_index_after = std::chrono::milliseconds(0);  // the first unserved page is enough
  };
  std::string ada_id;
  std::vector<std::string> expected;
  {
    TestServer server(config);
    HttpClient client = server.client();
    const Account ada = sign_up(client, "ada@example.com");
    ada_id = ada.id;
    const auto project = create(client, "projects", {{"name", "P"}}, ada);
    for (int i = 0; i < 6; ++i) {
      create(client, "tasks", {{"title", numbered("T", i)}, {"project", id_of(project)}, {"priority", 1 + i % 3}}, ada);
    }
    const std::string list = "/api/tasks?status=todo&sort=-priority,title";
    EXPECT_EQ(page_plan(server, "tasks", {{"status", "todo"}, {"sort", "-priority,title"}}, ada.id).find("__auto"),
              std::string::npos);
    expected = column_of(client.get(list, ada.bearer()), "title");
    EXPECT_EQ(expected, (std::vector<std::string>{"T2", "T5", "T1", "T4", "T0", "T3"}));
    EXPECT_EQ(metric(client, kUnindexed), 1);

    // Built in the background, named the same on every instance: equality columns, then the
    // sort (the first key ascending: read backwards), then id.
    ASSERT_TRUE(await_metric(client, kBuilt, 1)) << server.logs();
    const std::string name = "tasks__ownerId_status_priority_-title_-id__auto";
    EXPECT_TRUE(has(index_names(server.app().database()), name)) << server.logs();
    EXPECT_NE(server.logs().find("lists: built index " + name), std::string::npos) << server.logs();
    const std::string p = page_plan(server, "tasks", {{"status", "todo"}, {"sort", "-priority,title"}}, ada.id);
    EXPECT_NE(p.find(name), std::string::npos) << p;
    EXPECT_FALSE(plan_sorts(server, p)) << "a sort step:\n" << p;
    // Same answer off the index; no longer counted as unserved.
    EXPECT_EQ(column_of(client.get(list, ada.bearer()), "title"), expected);
    EXPECT_EQ(metric(client, kUnindexed), 1);
    // The reverse order is served by the same index, read the other way.
    EXPECT_EQ(column_of(client.get("/api/tasks?status=todo&sort=priority,-title", ada.bearer()), "title"),
              (std::vector<std::string>{"T3", "T0", "T4", "T1", "T5", "T2"}));
    EXPECT_EQ(metric(client, kUnindexed), 1);
  }
  // A new start on the same database: the index is found at start and serves the first page.
  TestServer again(config);
  HttpClient client = again.client();
  const Account ada = sign_in(client, "ada@example.com");
  EXPECT_EQ(column_of(client.get("/api/tasks?status=todo&sort=-priority,title", ada.bearer()), "title"), expected);
  EXPECT_EQ(metric(client, kUnindexed), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(metric(client, kBuilt), 0) << "found, not built again";
}

TEST(AutoIndexes, PastTheLimitNoneIsBuiltAndTheLogSaysWhatToDeclare) {
  TestServer server([](app::Config& c) {
    configure(c, default_resources());
    c.auto_index_after = std::chrono::milliseconds(0);
    c.auto_indexes = 1;
  });
  HttpClient client = server.client();
  const Account ada = sign_up(client, "ada@example.com");
  const auto project = create(client, "projects", {{"name", "P"}}, ada);
  create(client, "tasks", {{"title", "T"}, {"project", id_of(project)}}, ada);

  // Declared [status] (and its owner twin) serves this one: nothing to build.
  EXPECT_EQ(data_of(client.get("/api/tasks?status=todo", ada.bearer())).size(), 1u);
  EXPECT_EQ(metric(client, kUnindexed), 0);

  EXPECT_EQ(data_of(client.get("/api/tasks?sort=-priority", ada.bearer())).size(), 1u);
  ASSERT_TRUE(await_metric(client, kBuilt, 1)) << server.logs();
  EXPECT_EQ(data_of(client.get("/api/tasks?status=done&sort=title", ada.bearer())).size(), 0u);
  ASSERT_TRUE(await_metric(client, kLimit, 1)) << server.logs();
  EXPECT_EQ(metric(client, kBuilt), 1);
  const std::string logs = server.wait_for_log("declaring `indexes: [[status, title]]` on tasks");
  EXPECT_NE(logs.find("lists: tasks filtered by ownerId, status, sorted by title,id read their pages without an index"),
            std::string::npos)
      << logs;
  EXPECT_EQ(automatic(index_names(server.app().database())), 1u) << "one automatic index at most";
  // Still answered, sorted in full.
  EXPECT_EQ(client.get("/api/tasks?status=done&sort=title", ada.bearer()).status, 200);
}

TEST(AutoIndexes, WithAutoIndexesZeroNothingIsBuiltAndTheLogHintsOnce) {
  TestServer server([](app::Config& c) {
    configure(c, default_resources());
    c.auto_index_after = std::chrono::milliseconds(0);
    c.auto_indexes = 0;
    c.cache = false;  // every page from the database, as the count below expects
  });
  HttpClient client = server.client();
  const Account root = sign_in(client, kAdminEmail, kAdminPassword);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.get("/api/tasks?sort=-dueAt,title", root.bearer()).status, 200);
  EXPECT_EQ(metric(client, kUnindexed), 3);
  const std::string logs =
      server.wait_for_log("lists: tasks sorted by -dueAt,title,id read their pages without an index");
  EXPECT_NE(logs.find("no declared index can serve them (sort directions differ)"), std::string::npos) << logs;
  std::size_t hints = 0;
  for (auto at = logs.find("read their pages without"); at != std::string::npos;
       at = logs.find("read their pages without", at + 1)) {
    ++hints;
  }
  EXPECT_EQ(hints, 1u) << logs;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(metric(client, kBuilt), 0);
  EXPECT_EQ(automatic(index_names(server.app().database())), 0u);
}

}  // namespace
}  // namespace keel::test
