// API.md §6 keyset paging at scale: walking 1,000 tasks with `cursor` visits every record
// exactly once, in the order the sort asks for, under every kind of sort key; and stays exact
// while other records are inserted during the walk. Also: expand costs the same statements
// whatever the page size.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <variant>

#include "core/run_sync.hpp"
#include "integration/resource_fixtures.hpp"
#include "support/test_database.hpp"
#include "lists/list_page.hpp"
#include "resources/resource_model.hpp"

namespace keel::test {
namespace {

using namespace fixtures;

constexpr int kRecords = 1000;
constexpr int kPageSize = 37;
constexpr int kConcurrentInserts = 400;

// A task as the tests know it: the values every sort below can ask for.
struct Seeded {
  std::string id;
  std::string title;
  std::string status;
  std::int64_t priority = 0;
  std::optional<std::string> due_at;
  std::string created_at;
};

using Key = std::variant<std::monostate, std::int64_t, std::string>;  // monostate: null

Key key_of(const Seeded& t, const std::string& field) {
  if (field == "id") return t.id;
  if (field == "title") return t.title;
  if (field == "status") return t.status;
  if (field == "priority") return t.priority;
  if (field == "createdAt") return t.created_at;
  if (field == "dueAt") return t.due_at ? Key(*t.due_at) : Key();
  ADD_FAILURE() << "no key " << field;
  return {};
}

// The order API.md §6 promises: keys in turn, NULL the smallest value, text bytewise
// (std::string compares as unsigned char, like memcmp), ties broken by id in the direction
// of the last key.
std::vector<std::string> expected_order(std::vector<Seeded> tasks, const std::string& sort) {
  std::vector<std::pair<std::string, bool>> keys;  // field, descending
  std::size_t start = 0;
  while (!sort.empty() && start <= sort.size()) {
    const auto comma = sort.find(',', start);
    std::string part = sort.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const bool desc = part.starts_with('-');
    keys.emplace_back(desc ? part.substr(1) : part, desc);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  keys.emplace_back("id", !keys.empty() && keys.back().second);  // the direction of the last key
  std::stable_sort(tasks.begin(), tasks.end(), [&](const Seeded& a, const Seeded& b) {
    for (const auto& [field, desc] : keys) {
      const Key ka = key_of(a, field), kb = key_of(b, field);
      if (ka == kb) continue;
      const bool less = ka < kb;  // variant order: monostate (null) first
      return desc ? !less : less;
    }
    return false;
  });
  std::vector<std::string> ids;
  for (const auto& t : tasks) ids.push_back(t.id);
  return ids;
}

Seeded seeded_of(const boost::json::object& task) {
  Seeded s;
  s.id = id_of(task);
  s.title = std::string(task.at("title").as_string());
  s.status = std::string(task.at("status").as_string());
  s.priority = task.at("priority").as_int64();
  if (task.at("dueAt").is_string()) s.due_at = std::string(task.at("dueAt").as_string());
  s.created_at = std::string(task.at("createdAt").as_string());
  return s;
}

// Walks a list from its first page through every nextCursor; returns the ids in order.
// Fails the test on any error, on a cursor page whose meta is not {limit, nextCursor}, or
// after more pages than the records could fill.
std::vector<std::string> walk(HttpClient& client, const Account& who, const std::string& query, int max_pages) {
  std::vector<std::string> ids;
  std::string target = "/api/tasks?limit=" + std::to_string(kPageSize) + query;
  for (int pages = 0;; ++pages) {
    if (pages > max_pages) {
      ADD_FAILURE() << "the walk does not end: " << query;
      return ids;
    }
    const HttpResponse res = client.get(target, who.bearer());
    if (res.status != 200) {
      ADD_FAILURE() << target << " -> " << res.status << " " << res.body;
      return ids;
    }
    const auto body = res.json().as_object();
    for (const auto& r : body.at("data").as_array()) ids.emplace_back(r.at("id").as_string());
    const auto& meta = body.at("meta").as_object();
    EXPECT_EQ(meta.at("limit").as_int64(), kPageSize);
    if (pages > 0) {
      EXPECT_EQ(meta.size(), 2u) << "cursor pages carry limit and nextCursor only: " << res.body;
    }
    if (meta.at("nextCursor").is_null()) return ids;
    EXPECT_EQ(body.at("data").as_array().size(), static_cast<std::size_t>(kPageSize)) << "only the last page is short";
    target = "/api/tasks?limit=" + std::to_string(kPageSize) + query + "&cursor=" +
             std::string(meta.at("nextCursor").as_string());
  }
}

class ListCursor : public ::testing::Test {
 protected:
  // One server and 1,000 tasks for the whole suite: seeding is the slow part.
  static void SetUpTestSuite() {
    server_ = std::make_unique<TestServer>([](app::Config& c) { configure(c, default_resources()); });
    HttpClient client = server_->client();
    owner_ = std::make_unique<Account>(sign_up(client, "walker@example.com"));
    const auto project = create(client, "projects", {{"name", "Walk"}}, *owner_);
    project_ = std::make_unique<std::string>(id_of(project));
    tasks_ = std::make_unique<std::vector<Seeded>>();
    static const char* kStatus[] = {"todo", "in_progress", "done"};
    for (int i = 0; i < kRecords; ++i) {
      boost::json::object body = task_body(i);
      body["status"] = kStatus[(i * 7) % 3];
      const auto task = create(client, "tasks", body, *owner_);
      if (task.empty()) return;  // create() failed the test already
      tasks_->push_back(seeded_of(task));
    }
  }
  static void TearDownTestSuite() {
    tasks_.reset();
    project_.reset();
    owner_.reset();
    server_.reset();
  }

  // Titles repeat and differ in case (bytewise order: "B" < "a"); a quarter have no due date,
  // the rest share a few dozen dates, some written with an offset.
  static boost::json::object task_body(int i) {
    static const char* kTitles[] = {"alpha", "Alpha", "beta", "B", "gamma", "émile", "zeta", "Zeta"};
    boost::json::object body{{"title", std::string(kTitles[i % 8]) + std::to_string(i % 13)},
                             {"priority", (i * 3) % 5 + 1},
                             {"project", *project_}};
    if (i % 4 != 0) {
      const int day = 1 + (i * 11) % 28;
      body["dueAt"] = fmt_date(day, i % 3 == 0);
    }
    return body;
  }

  static std::string fmt_date(int day, bool with_offset) {
    const std::string dd = (day < 10 ? "0" : "") + std::to_string(day);
    return with_offset ? "2026-03-" + dd + "T12:00:00+02:00" : "2026-03-" + dd + "T10:00:00Z";
  }

  inline static std::unique_ptr<TestServer> server_;
  inline static std::unique_ptr<Account> owner_;
  inline static std::unique_ptr<std::string> project_;
  inline static std::unique_ptr<std::vector<Seeded>> tasks_;
};

TEST_F(ListCursor, WalkingEverySortOrderVisitsEveryRecordOnceInOrder) {
  ASSERT_GE(tasks_->size(), static_cast<std::size_t>(kRecords));
  HttpClient client = server_->client();
  const std::vector<std::string> sorts = {"",         "-priority", "dueAt",           "-dueAt",
                                          "title",    "-title",    "-createdAt",      "status,-priority",
                                          "-status,dueAt,-title",  "priority,-dueAt", "id",
                                          "-id"};
  const int max_pages = kRecords / kPageSize + 2;
  for (const std::string& sort : sorts) {
    SCOPED_TRACE("sort=" + sort);
    const std::vector<std::string> seen = walk(client, *owner_, sort.empty() ? "" : "&sort=" + sort, max_pages);
    const std::vector<std::string> expected = expected_order(*tasks_, sort);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size()) << "a record came twice";
    ASSERT_EQ(seen.size(), expected.size());
    EXPECT_TRUE(seen == expected) << "the walk's order differs from the sort's";
  }
}

TEST_F(ListCursor, WalkingAFilteredListVisitsExactlyTheMatchingRecords) {
  HttpClient client = server_->client();
  struct Case {
    std::string query;
    std::function<bool(const Seeded&)> matches;
  };
  const std::vector<Case> cases = {
      {"&status=done&sort=-dueAt", [](const Seeded& t) { return t.status == "done"; }},
      {"&dueAt[exists]=false&sort=title", [](const Seeded& t) { return !t.due_at; }},
      {"&priority[gte]=4&sort=dueAt", [](const Seeded& t) { return t.priority >= 4; }},
      {"&title[startsWith]=ZE&sort=-priority,title", [](const Seeded& t) {
         return t.title.starts_with("ze") || t.title.starts_with("Ze");
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    std::vector<Seeded> matching;
    std::copy_if(tasks_->begin(), tasks_->end(), std::back_inserter(matching), c.matches);
    ASSERT_FALSE(matching.empty());
    const std::string sort = c.query.substr(c.query.find("sort=") + 5);
    EXPECT_TRUE(walk(client, *owner_, c.query, kRecords / kPageSize + 2) == expected_order(matching, sort));
  }
}

TEST_F(ListCursor, WalkingWhileOthersInsertSeesEveryEarlierRecordOnce) {
  HttpClient client = server_->client();
  std::atomic<bool> done{false};
  std::atomic<int> inserted{0};
  std::vector<Seeded> added;  // the writer's, for the tests that run after this one
  std::thread writer([&] {
    HttpClient writer_client = server_->client();
    // Bounded, so a walk of the id order (where new records land ahead of the cursor) ends.
    for (int i = 0; i < kConcurrentInserts && !done.load(); ++i) {
      boost::json::object body = task_body(kRecords + i);
      const HttpResponse res = writer_client.post("/api/tasks", json_text(body), owner_->bearer());
      if (res.status != 201) {
        ADD_FAILURE() << "insert during the walk: " << res.status << " " << res.body;
        return;
      }
      added.push_back(seeded_of(res.json().as_object()));
      inserted.fetch_add(1);
    }
  });
  const std::set<std::string> before = [&] {
    std::set<std::string> ids;
    for (const auto& t : *tasks_) ids.insert(t.id);
    return ids;
  }();
  for (const std::string sort : {"", "title", "-createdAt", "dueAt", "-priority,title"}) {
    SCOPED_TRACE("sort=" + sort);
    const std::vector<std::string> seen =
        walk(client, *owner_, sort.empty() ? "" : "&sort=" + sort, (kRecords + kConcurrentInserts) / kPageSize + 2);
    std::map<std::string, int> times;
    for (const auto& id : seen) ++times[id];
    for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id << " came " << n << " times";
    for (const auto& id : before) EXPECT_EQ(times.count(id), 1u) << "missed " << id;
  }
  done = true;
  writer.join();
  EXPECT_GT(inserted.load(), 0) << "the writer never inserted during the walks";
  tasks_->insert(tasks_->end(), added.begin(), added.end());
}

// Expanding never costs one query per row (API.md §6): the statements a list runs are the same
// for a page of 1 and a page of 100, each task pointing at a project of its own.
TEST(ListExpand, CostsTheSameStatementsForOneRowAndAHundred) {
  TestServer server([](app::Config& c) { configure(c, default_resources()); });
  HttpClient client = server.client();
  const Account ada = sign_up(client, "ada@example.com");
  for (int i = 0; i < 100; ++i) {
    const auto project = create(client, "projects", {{"name", numbered("P", i)}}, ada);
    create(client, "tasks", {{"title", numbered("T", i)}, {"project", id_of(project)}}, ada);
  }
  // Background jobs (the revocation poller, the mail courier) run statements too: take the fewest
  // of several tries (under ASan on a loaded machine a request can take long enough to overlap one).
  auto statements = [&](const std::string& target, std::size_t rows) {
    std::uint64_t fewest = UINT64_MAX;
    for (int attempt = 0; attempt < 10; ++attempt) {
      const std::uint64_t before = server.app().database().statements_executed();
      const HttpResponse res = client.get(target, ada.bearer());
      const std::uint64_t after = server.app().database().statements_executed();
      const auto data = data_of(res);
      EXPECT_EQ(data.size(), rows) << target;
      for (const auto& task : data) {
        EXPECT_TRUE(task.at("project").is_object()) << "not expanded: " << res.body.substr(0, 300);
      }
      fewest = std::min(fewest, after - before);
    }
    return fewest;
  };
  for (const std::string paging : {"", "&cursor"}) {
    SCOPED_TRACE(paging.empty() ? "offset paging" : "cursor paging");
    std::string one = "/api/tasks?expand=project&limit=1";
    std::string hundred = "/api/tasks?expand=project&limit=100";
    if (!paging.empty()) {
      // A cursor page: resume after the first task of the default order.
      const HttpResponse first = client.get("/api/tasks?limit=1", ada.bearer());
      ASSERT_EQ(first.status, 200) << first.body;
      const std::string cursor(first.json().at("meta").at("nextCursor").as_string());
      one += "&cursor=" + cursor;
      hundred = "/api/tasks?expand=project&limit=99&cursor=" + cursor;
    }
    const std::uint64_t for_one = statements(one, 1);
    const std::uint64_t for_hundred = statements(hundred, paging.empty() ? 100 : 99);
    EXPECT_EQ(for_one, for_hundred);
    EXPECT_LE(for_hundred, 3u) << "the page, the count and one statement for the expanded projects";
  }
}

// total=false (API.md §6) saves the count: an offset page then costs one statement, not two,
// on resource lists and on GET /api/users alike (the same list code).
TEST(ListTotals, TotalFalseRunsNoCount) {
  TestServer server([](app::Config& c) {
    configure(c, default_resources());
    c.cache = false;  // the list engine's own statements, not the read cache in front of it
  });
  HttpClient client = server.client();
  const Account root = sign_in(client, kAdminEmail, kAdminPassword);
  const Account ada = sign_up(client, "ada@example.com");
  const auto project = create(client, "projects", {{"name", "P"}}, ada);
  for (int i = 0; i < 3; ++i) create(client, "tasks", {{"title", numbered("T", i)}, {"project", id_of(project)}}, ada);
  // The revocation poller runs statements too: take the fewest of a few tries.
  auto statements = [&](const std::string& target, const Account& who) {
    std::uint64_t fewest = UINT64_MAX;
    for (int attempt = 0; attempt < 10; ++attempt) {
      const std::uint64_t before = server.app().database().statements_executed();
      const HttpResponse res = client.get(target, who.bearer());
      const std::uint64_t after = server.app().database().statements_executed();
      EXPECT_FALSE(data_of(res).empty()) << target;
      fewest = std::min(fewest, after - before);
    }
    return fewest;
  };
  for (const auto& [path, who] : {std::pair{std::string("/api/tasks?limit=2"), ada},
                                  std::pair{std::string("/api/users?limit=1"), root}}) {
    SCOPED_TRACE(path);
    // Counted once, then kept: the data's version and the page (issue 15).
    EXPECT_EQ(statements(path, who), 2u) << "the version and the page, the total kept";
    EXPECT_EQ(statements(path + "&total=false", who), 1u) << "the page only";
    EXPECT_EQ(statements(path + "&page=2&total=false", who), 1u) << "the page only";
  }
}

// Issue 15: a list's total is counted once and kept while nothing changes; a write on any
// instance, acknowledged before the next list request, makes that request count again. Two
// instances on one database (on SQLite too: two servers, one file; the read cache off, since on
// SQLite it assumes one instance: API.md §12).
TEST(ListTotals, AKeptTotalChangesRightAfterACreateAnUpdateOrADeleteOnAnyInstance) {
  TestDatabase database(test_backend());  // outlives both servers
  const auto config = [&](app::Config& c) {
    configure(c, default_resources());
    c.database_url = database.url();
    c.cache = false;
  };
  TestServer first(config);
  TestServer second(config);
  HttpClient a = first.client();
  HttpClient b = second.client();
  const Account root = sign_in(a, kAdminEmail, kAdminPassword);
  const Account ada = sign_up(a, "ada@example.com");
  const Account bob = sign_up(b, "bob@example.com");
  const auto project = create(a, "projects", {{"name", "P"}}, ada);
  std::vector<std::string> tasks;
  for (int i = 0; i < 3; ++i) {
    tasks.push_back(id_of(create(a, "tasks", {{"title", numbered("T", i)}, {"project", id_of(project)}}, ada)));
  }
  const auto bob_project = create(b, "projects", {{"name", "Q"}}, bob);
  create(b, "tasks", {{"title", "Bob's"}, {"project", id_of(bob_project)}}, bob);

  const auto total = [&](const Account& who, const std::string& query = "?status=todo") {
    const HttpResponse res = a.get("/api/tasks" + query, who.bearer());
    EXPECT_EQ(res.status, 200) << res.body;
    return res.json().at("meta").at("total").as_int64();
  };
  const auto statements = [&](const Account& who) {
    const std::uint64_t before = first.app().database().statements_executed();
    total(who);
    return first.app().database().statements_executed() - before;
  };
  EXPECT_EQ(total(ada), 3);
  EXPECT_EQ(total(root), 4) << "the admin's total is its own, not ada's";
  // Kept: no count (a background job may run a statement in between: the fewest of a few).
  std::uint64_t fewest = UINT64_MAX;
  for (int i = 0; i < 5; ++i) fewest = std::min(fewest, statements(ada));
  EXPECT_EQ(fewest, 2u) << "the version and the page";

  // Each write on the other instance, then the list at once on this one.
  const auto made = create(b, "tasks", {{"title", "T new"}, {"project", id_of(project)}}, ada);
  EXPECT_EQ(total(ada), 4) << "after a create on the other instance";
  EXPECT_EQ(total(root), 5);
  const HttpResponse done = b.request("PATCH", "/api/tasks/" + tasks[0], json_text({{"status", "done"}}), ada.bearer());
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(total(ada), 3) << "after an update that moves a task out of the filter";
  EXPECT_EQ(total(ada, "?status=done"), 1);
  const HttpResponse gone = b.request("DELETE", "/api/tasks/" + id_of(made), "", ada.bearer());
  ASSERT_EQ(gone.status, 204) << gone.body;
  EXPECT_EQ(total(ada), 2) << "after a delete on the other instance";
  EXPECT_EQ(total(root), 3);
  // A cascade (deleting the project deletes its tasks) counts as the deletes it makes.
  const HttpResponse cascade = b.request("DELETE", "/api/projects/" + id_of(project), "", ada.bearer());
  ASSERT_EQ(cascade.status, 204) << cascade.body;
  EXPECT_EQ(total(ada), 0);
  EXPECT_EQ(total(root), 1);
}

// Generated indexes end with id, and ties follow the last key's direction: so a list filtered
// by an index's leading fields and sorted by the rest reads its page straight off the index,
// with no sort step, on both databases (the shape the list benchmark depends on).
TEST(ListIndexes, AListFilteredAndSortedAlongAnIndexNeedsNoSort) {
  TempDir dir;
  const std::string file = (dir.path() / "indexed.yaml").string();
  std::ofstream(file) << R"(resources:
  projects:
    fields:
      name: { type: string, required: true }
  tasks:
    fields:
      title:    { type: string, required: true }
      status:   { type: enum, values: [todo, done], default: todo }
      priority: { type: integer }
      project:  { type: ref, resource: projects, required: true, onDelete: cascade }
    indexes: [[status, priority]]
)";
  TestServer server([&](app::Config& c) { configure(c, file); });
  const std::string owner = "01936d3c-0000-7000-8000-000000000001";
  // The plan of the page statement for `query`, as the caller's own records or all of them.
  auto plan = [&](const std::vector<std::pair<std::string, std::string>>& query, bool own) {
    return page_plan(server, "tasks", query, own ? owner : std::string());
  };
  auto expect_index_order = [&](const std::string& plan_text, const std::string& index) {
    EXPECT_NE(plan_text.find(index), std::string::npos) << plan_text;
    EXPECT_FALSE(plan_sorts(server, plan_text)) << "a sort step:\n" << plan_text;
  };
  expect_index_order(plan({{"status", "todo"}, {"sort", "-priority"}}, true), "tasks__ownerId_status_priority__idx");
  expect_index_order(plan({{"status", "todo"}, {"sort", "priority"}}, true), "tasks__ownerId_status_priority__idx");
  expect_index_order(plan({{"status", "todo"}, {"sort", "-priority"}}, false), "tasks__status_priority__idx");
  expect_index_order(plan({}, true), "tasks__ownerId__idx");  // default order: id
  expect_index_order(plan({{"project", owner}}, false), "tasks__project__idx");
}

}  // namespace
}  // namespace keel::test
