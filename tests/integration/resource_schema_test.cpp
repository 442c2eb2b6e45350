// API.md §5: a changed resources file is applied at start when nothing stored can be lost (new
// resource, new optional field, new index or unique, another onDelete); dropping or retyping
// stored data is refused, changing nothing, until the operator asks for it (migrate_resources
// with allow_destructive, which is what `keel migrate --allow-destructive` runs). Every test
// restarts keel on one database, on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <fstream>
#include <latch>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/run_sync.hpp"
#include "resources/resource_schema.hpp"
#include "resources/resources_file.hpp"
#include "support/expect.hpp"
#include "support/test_database.hpp"
#include "support/test_server.hpp"

namespace keel::test {
namespace {

namespace json = boost::json;

std::string text(const json::value& v) { return json::serialize(v); }

// `yaml` with its first `from` replaced by `to`.
std::string edited(std::string yaml, const std::string& from, const std::string& to) {
  const auto at = yaml.find(from);
  EXPECT_NE(at, std::string::npos) << "no '" << from << "' in " << yaml;
  if (at != std::string::npos) yaml.replace(at, from.size(), to);
  return yaml;
}

struct Account {
  std::string id;
  std::string token;
  HeaderList bearer() const { return {{"Authorization", "Bearer " + token}}; }
};

// The first declarations of every test: projects, tasks referring to them and to teams.
constexpr const char* kV1 = R"(resources:
  projects:
    fields:
      name:  { type: string, required: true }
      notes: { type: text }
  teams:
    fields:
      title: { type: string }
  tasks:
    fields:
      title:   { type: string, required: true }
      size:    { type: integer }
      project: { type: ref, resource: projects, required: true, onDelete: restrict }
      team:    { type: ref, resource: teams, onDelete: restrict }
    indexes: [[size]]
)";

// One keel after another on the same database, each reading the resources file it is given.
class ResourceSchema : public ::testing::Test {
 protected:
  ~ResourceSchema() override { stop(); }

  // Stops the running keel (if any) and starts one with `yaml` as its resources file.
  void start(const std::string& yaml) {
    stop();
    server = std::make_unique<TestServer>(configure(write(yaml)));
    client.emplace(server->port());
  }

  // Starting with `yaml` must fail with DestructiveChangeError: returns its message.
  std::string start_refused(const std::string& yaml) {
    stop();
    try {
      TestServer refused(configure(write(yaml)));
      ADD_FAILURE() << "keel started with a destructive change pending";
    } catch (const resources::DestructiveChangeError& e) {
      return e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "the start failed, but not with DestructiveChangeError: " << e.what();
    }
    return {};
  }

  // The client first: an open keep-alive connection would hold the graceful stop up.
  void stop() {
    client.reset();
    server.reset();
  }

  // What `keel migrate --allow-destructive` does, on the same database.
  std::vector<std::string> apply_destructive(const std::string& yaml) {
    const auto decls = resources::parse_resources(yaml, "apply.yaml");
    return run_sync([&] { return resources::migrate_resources(database.db(), decls, true); }).applied;
  }

  std::function<void(app::Config&)> configure(const std::string& resources_file) const {
    return [this, resources_file](app::Config& c) {
      c.database_url = database.url();
      c.resources_file = resources_file;
      c.bcrypt_cost = 4;
      c.rate_limit_auth = 0;
      c.jwt_secret = std::string(40, 's');  // tokens outlive restarts
    };
  }

  std::string write(const std::string& yaml) {
    const std::string path = (files.path() / ("resources-" + std::to_string(++versions) + ".yaml")).string();
    std::ofstream(path) << yaml;
    return path;
  }

  Account sign_up(const std::string& email) {
    const HttpResponse res =
        client->post("/api/auth/register", text(json::object{{"email", email}, {"password", "user password"}, {"name", "U"}}));
    EXPECT_EQ(res.status, 201) << res.body;
    if (res.status != 201) return {};
    return {std::string(res.json().at("user").at("id").as_string()),
            std::string(res.json().at("accessToken").as_string())};
  }

  json::object create(const std::string& resource, const json::object& body) {
    const HttpResponse res = client->post("/api/" + resource, text(body), ada.bearer());
    EXPECT_EQ(res.status, 201) << resource << " " << text(body) << " -> " << res.body;
    return res.status == 201 ? res.json().as_object() : json::object();
  }

  // The record as GET /api/<resource>/:id answers it (an empty object, failing, unless 200).
  json::object read(const std::string& resource, const json::value& id) {
    const HttpResponse res = client->get("/api/" + resource + "/" + std::string(id.as_string()), ada.bearer());
    EXPECT_EQ(res.status, 200) << resource << " " << text(id) << " -> " << res.body;
    return res.status == 200 ? res.json().as_object() : json::object();
  }

  storage::Result sql(const std::string& statement, storage::Params params = {}) {
    return run_sync([&] { return database.db().query(statement, params); });
  }

  std::int64_t count(const std::string& statement, storage::Params params = {}) {
    return std::get<std::int64_t>(sql(statement, std::move(params)).rows.at(0).at(0));
  }

  std::int64_t migrations() { return count("SELECT count(*) FROM keel_resource_migrations"); }

  // The summary of the latest recorded change.
  std::string last_summary() {
    return std::get<std::string>(
        sql("SELECT summary FROM keel_resource_migrations ORDER BY id DESC LIMIT 1").rows.at(0).at(0));
  }

  bool postgres() { return database.db().dialect().backend() == storage::Backend::kPostgres; }

  // What the database itself holds, from its catalog.
  bool has_column(const std::string& table, const std::string& column) {
    return count(postgres() ? "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                              "AND table_name = $1 AND column_name = $2"
                            : "SELECT count(*) FROM pragma_table_info($1) WHERE name = $2",
                 {table, column}) == 1;
  }
  bool has_table(const std::string& table) {
    return count(postgres() ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
                              "AND table_name = $1"
                            : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
                 {table}) == 1;
  }
  bool has_index(const std::string& name) {
    return count(postgres() ? "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1"
                            : "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = $1",
                 {name}) == 1;
  }

  // v1 with a project, a team and two tasks (sizes 3 and 8) owned by ada.
  void start_with_records() {
    start(kV1);
    ada = sign_up("ada@example.com");
    apollo = create("projects", {{"name", "Apollo"}, {"notes", "to the moon"}});
    red = create("teams", {{"title", "Red"}});
    small = create("tasks", {{"title", "small"}, {"size", 3}, {"project", apollo.at("id")}, {"team", red.at("id")}});
    large = create("tasks", {{"title", "large"}, {"size", 8}, {"project", apollo.at("id")}});
  }

  TestDatabase database{test_backend()};
  TempDir files;
  int versions = 0;
  std::unique_ptr<TestServer> server;
  std::optional<HttpClient> client;
  Account ada;
  json::object apollo, red, small, large;
};

// v1 plus: a labels resource, three fields with defaults and one without, a unique name and an
// index on title.
constexpr const char* kAdditive = R"(resources:
  projects:
    fields:
      name:  { type: string, required: true, unique: true }
      notes: { type: text }
  teams:
    fields:
      title: { type: string }
  tasks:
    fields:
      title:    { type: string, required: true }
      size:     { type: integer }
      project:  { type: ref, resource: projects, required: true, onDelete: restrict }
      team:     { type: ref, resource: teams, onDelete: restrict }
      priority: { type: integer, min: 1, max: 5, default: 3 }
      done:     { type: boolean, default: false }
      stage:    { type: enum, values: [todo, doing], default: todo }
      dueAt:    { type: datetime }
    indexes: [[size], [title]]
  labels:
    fields:
      text: { type: string, required: true }
)";

TEST_F(ResourceSchema, AdditiveChangesApplyByThemselvesAtStart) {
  start_with_records();
  const std::int64_t before = migrations();
  ASSERT_GE(before, 1) << "the first start records the tables it made";

  start(kAdditive);  // no flag needed

  EXPECT_EQ(migrations(), before + 1) << "one change, recorded once";
  const std::string summary = last_summary();
  for (const char* change : {"labels: create the resource", "tasks: add field priority", "tasks: add field done",
                             "tasks: add field stage", "tasks: add field dueAt", "tasks: create index tasks__title__idx",
                             "projects: create index projects__name__key"}) {
    EXPECT_NE(summary.find(change), std::string::npos) << change << " missing from: " << summary;
  }
  const auto snapshot =
      json::parse(std::get<std::string>(sql("SELECT schema FROM keel_resource_migrations ORDER BY id DESC LIMIT 1").rows[0][0]));
  EXPECT_TRUE(snapshot.at("resources").as_object().contains("labels")) << text(snapshot);
  EXPECT_TRUE(has_index("tasks__title__idx"));

  // Old records are intact and take the defaults of the new fields.
  const json::object old_small = read("tasks", small.at("id"));
  EXPECT_EQ(old_small.at("title"), "small");
  EXPECT_EQ(old_small.at("size"), 3);
  EXPECT_EQ(old_small.at("project"), apollo.at("id"));
  EXPECT_EQ(old_small.at("team"), red.at("id"));
  EXPECT_EQ(old_small.at("createdAt"), small.at("createdAt"));
  EXPECT_EQ(old_small.at("priority"), 3) << text(old_small);
  EXPECT_EQ(old_small.at("done"), false) << text(old_small);
  EXPECT_EQ(old_small.at("stage"), "todo") << text(old_small);
  EXPECT_TRUE(old_small.at("dueAt").is_null()) << text(old_small);
  EXPECT_EQ(read("projects", apollo.at("id")).at("notes"), "to the moon");

  // The new fields, resource and unique work.
  const json::object urgent = create("tasks", {{"title", "urgent"},
                                               {"priority", 5},
                                               {"done", true},
                                               {"dueAt", "2031-05-06T07:08:09Z"},
                                               {"project", apollo.at("id")}});
  EXPECT_EQ(read("tasks", urgent.at("id")).at("dueAt"), "2031-05-06T07:08:09.000Z");
  const HttpResponse patched =
      client->request("PATCH", "/api/tasks/" + std::string(large.at("id").as_string()), R"({"priority":1})", ada.bearer());
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(read("tasks", large.at("id")).at("priority"), 1);
  EXPECT_EQ(read("tasks", large.at("id")).at("size"), 8);
  const json::object label = create("labels", {{"text", "blue"}});
  EXPECT_EQ(read("labels", label.at("id")).at("text"), "blue");
  expect_error(client->post("/api/projects", R"({"name":"Apollo"})", ada.bearer()), 409, "CONFLICT");

  // The same file again: nothing left to do, nothing recorded.
  start(kAdditive);
  EXPECT_EQ(migrations(), before + 1);
  EXPECT_EQ(read("tasks", small.at("id")).at("priority"), 3);
}

// v1 without tasks.size (which carries an index) and projects.notes (on a table tasks refers to).
constexpr const char* kDropFields = R"(resources:
  projects:
    fields:
      name: { type: string, required: true }
  teams:
    fields:
      title: { type: string }
  tasks:
    fields:
      title:   { type: string, required: true }
      project: { type: ref, resource: projects, required: true, onDelete: restrict }
      team:    { type: ref, resource: teams, onDelete: restrict }
)";

TEST_F(ResourceSchema, DroppingAFieldWaitsForTheFlag) {
  start_with_records();
  const std::int64_t before = migrations();

  const std::string refusal = start_refused(kDropFields);
  EXPECT_NE(refusal.find("tasks: drop field size"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("projects: drop field notes"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("keel migrate --allow-destructive"), std::string::npos) << refusal;

  // Nothing changed: the columns, their values and the history are as they were.
  EXPECT_EQ(migrations(), before);
  EXPECT_TRUE(has_column("tasks", "size"));
  EXPECT_TRUE(has_column("projects", "notes"));
  EXPECT_TRUE(has_index("tasks__size__idx"));
  start(kV1);
  EXPECT_EQ(read("tasks", small.at("id")).at("size"), 3);
  EXPECT_EQ(read("tasks", large.at("id")).at("size"), 8);
  EXPECT_EQ(read("projects", apollo.at("id")).at("notes"), "to the moon");
  stop();

  const auto applied = apply_destructive(kDropFields);
  EXPECT_NE(std::find(applied.begin(), applied.end(), "tasks: drop field size and its values"), applied.end());
  EXPECT_NE(std::find(applied.begin(), applied.end(), "projects: drop field notes and its values"), applied.end());
  EXPECT_EQ(migrations(), before + 1);
  EXPECT_FALSE(has_column("tasks", "size"));
  EXPECT_FALSE(has_column("projects", "notes"));
  EXPECT_FALSE(has_index("tasks__size__idx"));

  start(kDropFields);
  EXPECT_EQ(migrations(), before + 1) << "nothing left to apply";
  const json::object old_small = read("tasks", small.at("id"));
  EXPECT_EQ(old_small.at("title"), "small");
  EXPECT_EQ(old_small.at("project"), apollo.at("id"));
  EXPECT_EQ(old_small.at("team"), red.at("id"));
  EXPECT_EQ(old_small.at("createdAt"), small.at("createdAt"));
  EXPECT_EQ(old_small.at("ownerId").as_string(), ada.id);
  EXPECT_FALSE(old_small.contains("size")) << text(old_small);
  EXPECT_EQ(read("projects", apollo.at("id")).at("name"), "Apollo");
  EXPECT_EQ(read("tasks", large.at("id")).at("title"), "large");
  create("tasks", {{"title", "after"}, {"project", apollo.at("id")}});
  // The references survived the rebuilt tables: a referenced project still can't go.
  expect_error(client->request("DELETE", "/api/projects/" + std::string(apollo.at("id").as_string()), {}, ada.bearer()),
               409, "CONFLICT");
  EXPECT_EQ(read("projects", apollo.at("id")).at("name"), "Apollo");
}

// v1 with tasks.size an integer no more, and tasks.team pointing at projects instead of teams.
constexpr const char* kRetype = R"(resources:
  projects:
    fields:
      name:  { type: string, required: true }
      notes: { type: text }
  teams:
    fields:
      title: { type: string }
  tasks:
    fields:
      title:   { type: string, required: true }
      size:    { type: enum, values: [S, M, L] }
      project: { type: ref, resource: projects, required: true, onDelete: restrict }
      team:    { type: ref, resource: projects, onDelete: restrict }
    indexes: [[size]]
)";

TEST_F(ResourceSchema, RetypingAFieldWaitsForTheFlagThenClearsItsValues) {
  start_with_records();
  const std::int64_t before = migrations();

  const std::string refusal = start_refused(kRetype);
  EXPECT_NE(refusal.find("tasks: retype field size from integer to enum; its values are cleared"), std::string::npos)
      << refusal;
  EXPECT_NE(refusal.find("tasks: point field team at projects instead of teams; its values are cleared"),
            std::string::npos)
      << refusal;
  EXPECT_NE(refusal.find("--allow-destructive"), std::string::npos) << refusal;
  EXPECT_EQ(migrations(), before);
  EXPECT_EQ(count("SELECT count(*) FROM tasks WHERE size = 3"), 1) << "the values are still there";
  start(kV1);
  EXPECT_EQ(read("tasks", small.at("id")).at("team"), red.at("id"));
  stop();

  apply_destructive(kRetype);
  EXPECT_EQ(migrations(), before + 1);
  EXPECT_TRUE(has_index("tasks__size__idx")) << "the declared index is back on the new column";

  start(kRetype);
  const json::object old_small = read("tasks", small.at("id"));
  EXPECT_TRUE(old_small.at("size").is_null()) << text(old_small);
  EXPECT_TRUE(old_small.at("team").is_null()) << text(old_small);
  EXPECT_EQ(old_small.at("title"), "small");
  EXPECT_EQ(old_small.at("project"), apollo.at("id"));
  EXPECT_TRUE(read("tasks", large.at("id")).at("size").is_null());
  // The new type and target are what the database now takes.
  const json::object medium =
      create("tasks", {{"title", "medium"}, {"size", "M"}, {"project", apollo.at("id")}, {"team", apollo.at("id")}});
  EXPECT_EQ(read("tasks", medium.at("id")).at("size"), "M");
  EXPECT_EQ(read("tasks", medium.at("id")).at("team"), apollo.at("id"));
  const HttpResponse stale_target = client->post(
      "/api/tasks", text(json::object{{"title", "x"}, {"project", apollo.at("id")}, {"team", red.at("id")}}), ada.bearer());
  EXPECT_EQ(stale_target.status, 400) << "a team is no project: " << stale_target.body;
}

// v1 without teams (and the field that referred to it).
constexpr const char* kDropResource = R"(resources:
  projects:
    fields:
      name:  { type: string, required: true }
      notes: { type: text }
  tasks:
    fields:
      title:   { type: string, required: true }
      size:    { type: integer }
      project: { type: ref, resource: projects, required: true, onDelete: restrict }
    indexes: [[size]]
)";

TEST_F(ResourceSchema, DroppingAResourceWaitsForTheFlag) {
  start_with_records();
  const std::int64_t before = migrations();

  const std::string refusal = start_refused(kDropResource);
  EXPECT_NE(refusal.find("teams: drop the resource and all its records"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("tasks: drop field team"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("keel migrate --allow-destructive"), std::string::npos) << refusal;
  EXPECT_EQ(migrations(), before);
  EXPECT_TRUE(has_table("teams"));
  start(kV1);
  EXPECT_EQ(read("teams", red.at("id")).at("title"), "Red");
  stop();

  apply_destructive(kDropResource);
  EXPECT_EQ(migrations(), before + 1);
  EXPECT_FALSE(has_table("teams"));

  start(kDropResource);
  expect_error(client->get("/api/teams/" + std::string(red.at("id").as_string()), ada.bearer()), 404, "NOT_FOUND");
  const json::object old_small = read("tasks", small.at("id"));
  EXPECT_EQ(old_small.at("size"), 3);
  EXPECT_EQ(old_small.at("project"), apollo.at("id"));
  EXPECT_FALSE(old_small.contains("team"));
  EXPECT_EQ(read("projects", apollo.at("id")).at("notes"), "to the moon");
}

// v1 with tasks.project cascading and tasks.team set to null when their target goes, and a new
// field with a default in the same change (on SQLite the table is rebuilt, then backfilled).
constexpr const char* kOnDelete = R"(resources:
  projects:
    fields:
      name:  { type: string, required: true }
      notes: { type: text }
  teams:
    fields:
      title: { type: string }
  tasks:
    fields:
      title:   { type: string, required: true }
      size:    { type: integer }
      project: { type: ref, resource: projects, required: true, onDelete: cascade }
      team:    { type: ref, resource: teams, onDelete: setNull }
      weight:  { type: number, default: 1.5 }
    indexes: [[size]]
)";

TEST_F(ResourceSchema, ChangingOnDeleteAppliesAtStartAndTakesEffect) {
  start_with_records();
  const std::string project_path = "/api/projects/" + std::string(apollo.at("id").as_string());
  const std::string team_path = "/api/teams/" + std::string(red.at("id").as_string());
  expect_error(client->request("DELETE", project_path, {}, ada.bearer()), 409, "CONFLICT");
  expect_error(client->request("DELETE", team_path, {}, ada.bearer()), 409, "CONFLICT");
  EXPECT_EQ(read("tasks", small.at("id")).at("team"), red.at("id")) << "restrict kept both";
  const std::int64_t before = migrations();

  start(kOnDelete);  // no flag needed
  EXPECT_EQ(migrations(), before + 1);
  EXPECT_NE(last_summary().find("tasks: field project now cascade on delete"), std::string::npos) << last_summary();
  EXPECT_NE(last_summary().find("tasks: field team now setNull on delete"), std::string::npos) << last_summary();
  EXPECT_TRUE(has_index("tasks__size__idx"));
  const json::object migrated = read("tasks", small.at("id"));
  EXPECT_EQ(migrated.at("size"), 3) << "records are intact: " << text(migrated);
  EXPECT_EQ(migrated.at("project"), apollo.at("id")) << text(migrated);
  EXPECT_EQ(migrated.at("team"), red.at("id")) << text(migrated);
  EXPECT_EQ(migrated.at("weight"), 1.5) << text(migrated);

  EXPECT_EQ(client->request("DELETE", team_path, {}, ada.bearer()).status, 204);
  const json::object teamless = read("tasks", small.at("id"));
  EXPECT_TRUE(teamless.at("team").is_null()) << text(teamless);
  EXPECT_EQ(teamless.at("title"), "small");

  EXPECT_EQ(client->request("DELETE", project_path, {}, ada.bearer()).status, 204);
  expect_error(client->get("/api/tasks/" + std::string(small.at("id").as_string()), ada.bearer()), 404, "NOT_FOUND");
  expect_error(client->get("/api/tasks/" + std::string(large.at("id").as_string()), ada.bearer()), 404, "NOT_FOUND");
  EXPECT_EQ(count("SELECT count(*) FROM tasks"), 0) << "the cascade reached the rows";
}

TEST_F(ResourceSchema, TwoInstancesStartingAtOnceApplyAChangeOnce) {
  // PostgreSQL serialises the migrators with an advisory lock, SQLite with BEGIN IMMEDIATE on
  // the shared file: either way each change is planned and applied once.
  start_with_records();
  stop();
  // Each round is one more additive change, started by two instances at the same moment.
  const std::string with_priority =
      edited(kV1, "    indexes: [[size]]\n", "      priority: { type: integer, default: 2 }\n    indexes: [[size]]\n");
  const std::string with_labels =
      edited(with_priority, "[[size]]", "[[size], [title]]") + "  labels:\n    fields: { text: { type: string } }\n";
  const std::string with_cascade =
      edited(with_labels, "required: true, onDelete: restrict", "required: true, onDelete: cascade");
  const std::vector<std::string> rounds = {with_priority, with_labels, with_cascade};
  for (const auto& yaml : rounds) {
    SCOPED_TRACE(yaml);
    const std::int64_t before = migrations();
    const std::string file = write(yaml);
    app::Config config = test_config(files.path());
    configure(file)(config);
    app::App a(config, nullptr);
    app::App b(config, nullptr);
    std::latch go(2);
    std::exception_ptr failed_a, failed_b;
    auto start_at_once = [&go](app::App& app, std::exception_ptr& failed) {
      go.arrive_and_wait();
      try {
        app.start();
      } catch (...) {
        failed = std::current_exception();
      }
    };
    std::thread ta(start_at_once, std::ref(a), std::ref(failed_a));
    std::thread tb(start_at_once, std::ref(b), std::ref(failed_b));
    ta.join();
    tb.join();
    for (const auto& failed : {failed_a, failed_b}) {
      try {
        if (failed) std::rethrow_exception(failed);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "an instance failed to start: " << e.what();
      }
    }
    EXPECT_EQ(migrations(), before + 1) << "applied and recorded exactly once";
    for (app::App* app : {&a, &b}) {
      if (app->port() == 0) continue;
      HttpClient c(app->port());
      const HttpResponse res = c.get("/api/tasks/" + std::string(large.at("id").as_string()), ada.bearer());
      EXPECT_EQ(res.status, 200) << res.body;
      if (res.status == 200) {
        EXPECT_EQ(res.json().at("priority"), 2) << res.body;
      }
    }
  }
}

TEST_F(ResourceSchema, AUniqueThatStoredRecordsBreakStopsTheStartAndChangesNothing) {
  start_with_records();
  create("projects", {{"name", "Apollo"}});  // a second Apollo
  const std::int64_t before = migrations();
  const std::string unique_names = edited(kV1, "name:  { type: string, required: true }",
                                          "name:  { type: string, required: true, unique: true }");
  stop();
  try {
    TestServer refused(configure(write(unique_names)));
    ADD_FAILURE() << "keel started with a unique index its records break";
  } catch (const std::exception& e) {
    // The database alone says "name already exists": the operator also needs the change.
    const std::string message = e.what();
    EXPECT_NE(message.find("could not apply \"projects: create index projects__name__key\""), std::string::npos)
        << message;
    EXPECT_NE(message.find("nothing was changed"), std::string::npos) << message;
  }
  EXPECT_EQ(migrations(), before);
  EXPECT_FALSE(has_index("projects__name__key"));
  start(kV1);
  EXPECT_EQ(read("tasks", small.at("id")).at("size"), 3);
}

}  // namespace
}  // namespace keel::test
