// API.md §5 and §6 through real HTTP, on the default resources.yaml (projects and tasks) and on
// tests/integration/resources/every_type.yaml (every field type, constraint, onDelete rule and
// kind of access rule): records, validation, conditional requests, access, refs, and lists.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include <boost/json/parse.hpp>

#include "auth/token_service.hpp"
#include "core/ids.hpp"
#include "integration/resource_fixtures.hpp"

namespace keel::test {
namespace {

using namespace fixtures;
namespace json = boost::json;

constexpr const char* kNoSuchId = "0193f1c2-7a3b-7c4d-8e5f-0123456789ab";

json::value parse(const std::string& text) { return json::parse(text); }

std::vector<std::string> keys_of(const json::object& o) {
  std::vector<std::string> out;
  for (const auto& [k, v] : o) out.emplace_back(k);
  return out;
}

bool is_timestamp(const json::value& v) {
  // 2026-11-24T03:55:23.123Z
  if (!v.is_string()) return false;
  const std::string s(v.as_string());
  return s.size() == 24 && s[4] == '-' && s[10] == 'T' && s[19] == '.' && s[23] == 'Z';
}

// ---------------------------------------------------------------------------------------------
// The default resources file: projects and tasks.

class Resources : public ::testing::Test {
 protected:
  Resources() : server([](app::Config& c) { configure(c, default_resources()); }), client(server.client()) {
    admin = sign_in(client, kAdminEmail, kAdminPassword);
    ada = sign_up(client, "ada@example.com");
    bob = sign_up(client, "bob@example.com");
  }

  std::string project(const Account& who, const std::string& name = "Project") {
    return id_of(create(client, "projects", {{"name", name}}, who));
  }
  json::object task(const Account& who, const std::string& project_id, json::object fields = {}) {
    if (!fields.contains("title")) fields["title"] = "A task";
    fields["project"] = project_id;
    return create(client, "tasks", fields, who);
  }
  std::string etag(const std::string& path, const Account& who) {
    const HttpResponse res = client.get(path, who.bearer());
    EXPECT_EQ(res.status, 200) << res.body;
    return res.header("ETag");
  }

  TestServer server;
  HttpClient client;
  Account admin, ada, bob;
};

TEST_F(Resources, CreateAnswers201WithLocationETagAndTheRecordWithItsDefaults) {
  const HttpResponse res = client.post("/api/projects", R"({"name":"Keel"})", ada.bearer());
  ASSERT_EQ(res.status, 201) << res.body;
  const json::object p = res.json().as_object();
  EXPECT_EQ(keys_of(p), (std::vector<std::string>{"id", "name", "description", "archived", "ownerId", "createdAt",
                                                  "updatedAt"}));
  const std::string id = id_of(p);
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '7') << "a UUIDv7";
  EXPECT_EQ(res.header("Location"), "/api/v1/projects/" + id);
  EXPECT_EQ(res.header("Content-Type"), "application/json; charset=utf-8");
  const std::string tag = res.header("ETag");
  ASSERT_GE(tag.size(), 3u);
  EXPECT_EQ(tag.front(), '"');
  EXPECT_EQ(tag.back(), '"');
  EXPECT_EQ(p.at("name"), "Keel");
  EXPECT_TRUE(p.at("description").is_null());
  EXPECT_EQ(p.at("archived"), false) << "the default";
  EXPECT_EQ(p.at("ownerId"), json::value(ada.id));
  EXPECT_TRUE(is_timestamp(p.at("createdAt"))) << p.at("createdAt");
  EXPECT_EQ(p.at("createdAt"), p.at("updatedAt"));

  // The Location answers with the same record and ETag.
  const HttpResponse got = client.get(res.header("Location"), ada.bearer());
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json(), res.json());
  EXPECT_EQ(got.header("ETag"), tag);

  const json::object t = task(ada, id);
  EXPECT_EQ(keys_of(t), (std::vector<std::string>{"id", "title", "notes", "status", "priority", "dueAt", "project",
                                                  "ownerId", "createdAt", "updatedAt"}));
  EXPECT_EQ(t.at("status"), "todo");
  EXPECT_EQ(t.at("priority"), 3);
  EXPECT_TRUE(t.at("dueAt").is_null());
  EXPECT_TRUE(t.at("notes").is_null());
  EXPECT_EQ(t.at("project"), json::value(id));
}

TEST_F(Resources, GetAnswers304WhenIfNoneMatchNamesTheCurrentETag) {
  const std::string path = "/api/projects/" + project(ada);
  const HttpResponse first = client.get(path, ada.bearer());
  ASSERT_EQ(first.status, 200);
  const std::string tag = first.header("ETag");
  ASSERT_FALSE(tag.empty());
  struct Case {
    std::string if_none_match;
    int status;
  };
  const std::vector<Case> cases = {{tag, 304},
                                   {"*", 304},
                                   {"\"other\", " + tag, 304},
                                   {"W/" + tag, 304},
                                   {"\"other\"", 200},
                                   {tag.substr(1, tag.size() - 2), 200}};  // unquoted: not the tag
  for (const auto& c : cases) {
    SCOPED_TRACE("If-None-Match: " + c.if_none_match);
    HeaderList headers = ada.bearer();
    headers.emplace_back("If-None-Match", c.if_none_match);
    const HttpResponse res = client.get(path, headers);
    EXPECT_EQ(res.status, c.status) << res.body;
    EXPECT_EQ(res.header("ETag"), tag);
    if (c.status == 304) {
      EXPECT_TRUE(res.body.empty());
    } else {
      EXPECT_EQ(res.json(), first.json());
    }
  }
  // A change makes a new ETag, and the old one no longer matches.
  ASSERT_EQ(client.request("PATCH", path, R"({"name":"Renamed"})", ada.bearer()).status, 200);
  HeaderList headers = ada.bearer();
  headers.emplace_back("If-None-Match", tag);
  const HttpResponse changed = client.get(path, headers);
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.header("ETag"), tag);
  EXPECT_EQ(changed.json().at("name"), "Renamed");
}

TEST_F(Resources, PutAndPatchAreBothPartialUpdates) {
  const std::string project_id = project(ada);
  const json::object t = task(ada, project_id, {{"title", "Write"}, {"notes", "first"}, {"priority", 4}});
  const std::string path = "/api/tasks/" + id_of(t);

  const HttpResponse patched = client.request("PATCH", path, R"({"title":"Write more"})", ada.bearer());
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json().at("title"), "Write more");
  EXPECT_EQ(patched.json().at("notes"), "first");
  EXPECT_EQ(patched.json().at("priority"), 4);
  EXPECT_EQ(patched.json().at("createdAt"), t.at("createdAt"));
  EXPECT_GE(std::string(patched.json().at("updatedAt").as_string()), std::string(t.at("updatedAt").as_string()));
  EXPECT_FALSE(patched.header("ETag").empty());

  const HttpResponse put = client.request("PUT", path, R"({"status":"done","notes":null})", ada.bearer());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json().at("status"), "done");
  EXPECT_TRUE(put.json().at("notes").is_null()) << "an optional field may be cleared";
  EXPECT_EQ(put.json().at("title"), "Write more") << "PUT leaves out fields alone too";
  EXPECT_EQ(put.json().at("priority"), 4);
  EXPECT_EQ(put.json().at("project"), json::value(project_id));
  EXPECT_NE(put.header("ETag"), patched.header("ETag"));
  EXPECT_EQ(client.get(path, ada.bearer()).json(), put.json());

  // Required fields can't be cleared; unknown and server-set keys are refused.
  expect_validation(client.request("PATCH", path, R"({"title":null})", ada.bearer()), {"title"});
  expect_validation(client.request("PUT", path, R"({"title":""})", ada.bearer()), {"title"});
  expect_validation(client.request("PATCH", path, R"({"project":null})", ada.bearer()), {"project"});
  expect_validation(client.request("PATCH", path, R"({"colour":"red","id":"x","priority":9})", ada.bearer()),
                    {"colour", "id", "priority"});
  expect_error(client.request("PATCH", path, "[1]", ada.bearer()), 400, "INVALID_JSON");
  expect_error(client.request("PATCH", path, "{", ada.bearer()), 400, "INVALID_JSON");
  EXPECT_EQ(client.get(path, ada.bearer()).json(), put.json()) << "refused updates change nothing";
}

TEST_F(Resources, IfMatchWithAStaleETagIsRefusedWith412) {
  const std::string path = "/api/tasks/" + id_of(task(ada, project(ada)));
  const std::string first = etag(path, ada);
  auto with = [&](const std::string& if_match) {
    HeaderList h = ada.bearer();
    h.emplace_back("If-Match", if_match);
    return h;
  };
  const HttpResponse ok = client.request("PATCH", path, R"({"title":"v2"})", with(first));
  ASSERT_EQ(ok.status, 200) << ok.body;
  const std::string second = ok.header("ETag");
  EXPECT_EQ(second, etag(path, ada)) << "the ETag of an update is the record's new ETag";

  expect_error(client.request("PATCH", path, R"({"title":"v3"})", with(first)), 412, "PRECONDITION_FAILED");
  expect_error(client.request("PUT", path, R"({"title":"v3"})", with(first)), 412, "PRECONDITION_FAILED");
  expect_error(client.request("DELETE", path, {}, with(first)), 412, "PRECONDITION_FAILED");
  expect_error(client.request("DELETE", path, {}, with("\"nonsense\"")), 412, "PRECONDITION_FAILED");
  EXPECT_EQ(client.get(path, ada.bearer()).json().at("title"), "v2") << "a refused write changes nothing";

  const HttpResponse star = client.request("PATCH", path, R"({"title":"v4"})", with("*"));
  ASSERT_EQ(star.status, 200) << star.body;
  const HttpResponse listed = client.request("PUT", path, R"({"title":"v5"})", with("\"x\", " + star.header("ETag")));
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(client.request("DELETE", path, {}, with(listed.header("ETag"))).status, 204);
  expect_error(client.get(path, ada.bearer()), 404, "NOT_FOUND");
}

TEST_F(Resources, IdOwnerAndTimestampsAreSetByTheServer) {
  const HttpResponse res = client.post(
      "/api/projects",
      R"({"name":"P","id":"0193f1c2-7a3b-7c4d-8e5f-0123456789ab","ownerId":"x","createdAt":"2020-01-01T00:00:00Z","updatedAt":"2020-01-01T00:00:00Z"})",
      ada.bearer());
  expect_validation(res, {"id", "ownerId", "createdAt", "updatedAt"});
  for (const auto& [k, v] : details_of(res)) EXPECT_EQ(v, "is set by the server") << k;
  const std::string path = "/api/projects/" + project(ada);
  expect_validation(client.request("PATCH", path, R"({"ownerId":")" + bob.id + R"("})", ada.bearer()), {"ownerId"});
  expect_validation(client.request("PUT", path, R"({"createdAt":"2020-01-01T00:00:00Z"})", ada.bearer()),
                    {"createdAt"});
  expect_validation(client.post("/api/projects", R"({"name":"P","colour":"red"})", ada.bearer()), {"colour"});
  expect_error(client.post("/api/projects", R"(["name"])", ada.bearer()), 400, "INVALID_JSON");
  expect_error(client.post("/api/projects", "name=x", {{"Authorization", "Bearer " + ada.token},
                                                      {"Content-Type", "application/x-www-form-urlencoded"}}),
               415, "UNSUPPORTED_MEDIA_TYPE");
}

struct FieldCase {
  std::string name;
  std::string body;          // merged over a valid task
  std::string refused;       // the details key expected; empty when accepted
  std::string field = {};    // accepted: this field...
  std::string stored = {};   // ...holds this JSON
};

TEST_F(Resources, TaskFieldsAreValidatedByTheirDeclarations) {
  const std::string mine = project(ada);
  const std::string bobs = project(bob);
  const std::string s200(200, 'x'), s201(201, 'x');
  std::string u200, u201;  // two bytes each: lengths count characters
  for (int i = 0; i < 200; ++i) u200 += "\xC3\xA4";
  u201 = u200 + "\xC3\xA4";
  const std::vector<FieldCase> cases = {
      {"title 1 char", R"({"title":"x"})", "", "title", R"("x")"},
      {"title 200 chars", R"({"title":")" + s200 + R"("})", "", "title", '"' + s200 + '"'},
      {"title 200 two-byte chars", R"({"title":")" + u200 + R"("})", "", "title", '"' + u200 + '"'},
      {"title 201 chars", R"({"title":")" + s201 + R"("})", "title"},
      {"title 201 two-byte chars", R"({"title":")" + u201 + R"("})", "title"},
      {"title empty", R"({"title":""})", "title"},
      {"title null", R"({"title":null})", "title"},
      {"title a number", R"({"title":5})", "title"},
      {"status in_progress", R"({"status":"in_progress"})", "", "status", R"("in_progress")"},
      {"status done", R"({"status":"done"})", "", "status", R"("done")"},
      {"status not a value", R"({"status":"open"})", "status"},
      {"status other case", R"({"status":"Done"})", "status"},
      {"priority min", R"({"priority":1})", "", "priority", "1"},
      {"priority max", R"({"priority":5})", "", "priority", "5"},
      {"priority integral double", R"({"priority":2.0})", "", "priority", "2"},
      {"priority below", R"({"priority":0})", "priority"},
      {"priority above", R"({"priority":6})", "priority"},
      {"priority fraction", R"({"priority":2.5})", "priority"},
      {"priority string", R"({"priority":"3"})", "priority"},
      {"dueAt offset to UTC", R"({"dueAt":"2026-12-01T10:00:00+02:00"})", "", "dueAt",
       R"("2026-12-01T08:00:00.000Z")"},
      {"dueAt a date only", R"({"dueAt":"2026-12-01"})", "dueAt"},
      {"dueAt without offset", R"({"dueAt":"2026-12-01T10:00:00"})", "dueAt"},
      {"notes long text", R"({"notes":")" + std::string(5000, 'n') + R"("})", "", "notes",
       '"' + std::string(5000, 'n') + '"'},
      // text's default maxLength (API.md §5): notes declares none.
      {"notes 65,535 chars", R"({"notes":")" + std::string(65'535, 'n') + R"("})", "", "notes",
       '"' + std::string(65'535, 'n') + '"'},
      {"notes 65,536 chars", R"({"notes":")" + std::string(65'536, 'n') + R"("})", "notes"},
      // PostgreSQL text can't hold U+0000: refused on both databases, never stored cut short.
      {"title with U+0000", R"({"title":"a\u0000b"})", "title"},
      {"notes only U+0000", R"({"notes":"\u0000"})", "notes"},
      {"project unknown id", std::string(R"({"project":")") + kNoSuchId + R"("})", "project"},
      {"project not an id", R"({"project":"nope"})", "project"},
      {"project someone else's", R"({"project":")" + bobs + R"("})", "project"},
      {"project missing", R"({"project":null})", "project"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json::object body{{"title", "T"}, {"project", mine}};
    const json::value given = parse(c.body);
    for (const auto& [k, v] : given.as_object()) body[k] = v;
    const HttpResponse res = client.post("/api/tasks", json_text(body), ada.bearer());
    if (!c.refused.empty()) {
      expect_validation(res, {c.refused});
      continue;
    }
    ASSERT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(res.json().at(c.field), parse(c.stored));
  }
  expect_validation(client.post("/api/tasks", "{}", ada.bearer()), {"title", "project"});
  expect_validation(client.post("/api/projects", R"({"name":")" + std::string(121, 'p') + R"(","archived":"yes"})",
                                ada.bearer()),
                    {"name", "archived"});
}

TEST_F(Resources, ARefMustNameARecordTheCallerCanRead) {
  const std::string adas = project(ada);
  const std::string bobs = project(bob);
  expect_validation(client.post("/api/tasks", json_text({{"title", "T"}, {"project", adas}}), bob.bearer()),
                    {"project"});
  const std::string path = "/api/tasks/" + id_of(task(bob, bobs));
  expect_validation(client.request("PATCH", path, json_text({{"project", adas}}), bob.bearer()), {"project"});
  EXPECT_EQ(client.get(path, bob.bearer()).json().at("project"), json::value(bobs));
  // An admin reads every project, so may point any task at any of them.
  EXPECT_EQ(client.request("PATCH", path, json_text({{"project", adas}}), admin.bearer()).status, 200);
}

TEST_F(Resources, OtherUsersRecordsAreNotFound) {
  const std::string path = "/api/projects/" + project(ada);
  expect_error(client.get(path, bob.bearer()), 404, "NOT_FOUND");
  expect_error(client.request("PUT", path, R"({"name":"x"})", bob.bearer()), 404, "NOT_FOUND");
  expect_error(client.request("PATCH", path, R"({"name":"x"})", bob.bearer()), 404, "NOT_FOUND");
  expect_error(client.request("DELETE", path, {}, bob.bearer()), 404, "NOT_FOUND");
  expect_error(client.get(std::string("/api/projects/") + kNoSuchId, ada.bearer()), 404, "NOT_FOUND");
  expect_error(client.get("/api/projects/not-an-id", ada.bearer()), 404, "NOT_FOUND");
  expect_error(client.request("PATCH", std::string("/api/projects/") + kNoSuchId, R"({"name":"x"})", ada.bearer()),
               404, "NOT_FOUND");
  expect_error(client.request("DELETE", std::string("/api/projects/") + kNoSuchId, {}, ada.bearer()), 404,
               "NOT_FOUND");
  EXPECT_EQ(client.get(path, ada.bearer()).json().at("name"), "Project") << "nothing changed";
  // Admins may do everything.
  EXPECT_EQ(client.get(path, admin.bearer()).status, 200);
  EXPECT_EQ(client.request("PATCH", path, R"({"name":"By admin"})", admin.bearer()).json().at("ownerId"), json::value(ada.id));
  EXPECT_EQ(client.request("DELETE", path, {}, admin.bearer()).status, 204);
}

TEST_F(Resources, AnOwnerRuleListsOnlyTheCallersRecords) {
  for (int i = 0; i < 3; ++i) project(ada, numbered("ada", i));
  for (int i = 0; i < 2; ++i) project(bob, numbered("bob", i));
  auto total = [&](const std::string& query, const Account& who) {
    const HttpResponse res = client.get("/api/projects" + query, who.bearer());
    EXPECT_EQ(res.status, 200) << res.body;
    return res.status == 200 ? res.json().at("meta").at("total").as_int64() : -1;
  };
  EXPECT_EQ(total("", ada), 3);
  EXPECT_EQ(total("", bob), 2);
  EXPECT_EQ(total("", admin), 5);
  EXPECT_EQ(total("?ownerId=" + bob.id, ada), 0) << "a filter never widens the owner rule";
  EXPECT_EQ(total("?ownerId=" + bob.id, admin), 2);
  for (const auto& name : column_of(client.get("/api/projects?limit=100", ada.bearer()), "name")) {
    EXPECT_TRUE(name.starts_with("ada")) << name;
  }
}

TEST_F(Resources, AnonymousCallersAreAskedToSignIn) {
  const std::string id = project(ada);
  expect_error(client.get("/api/projects"), 401, "UNAUTHORIZED");
  expect_error(client.post("/api/projects", R"({"name":"x"})"), 401, "UNAUTHORIZED");
  expect_error(client.get("/api/projects/" + id), 401, "UNAUTHORIZED");
  expect_error(client.request("PATCH", "/api/projects/" + id, R"({"name":"x"})"), 401, "UNAUTHORIZED");
  expect_error(client.request("DELETE", "/api/projects/" + id), 401, "UNAUTHORIZED");
  expect_error(client.get("/api/projects", {{"Authorization", "Bearer not.a.token"}}), 401, "UNAUTHORIZED");
  expect_error(client.request("DELETE", "/api/projects/" + id, {}, {{"Authorization", "Bearer not.a.token"}}), 401,
               "UNAUTHORIZED");
}

TEST_F(Resources, DeletingAProjectDeletesItsTasks) {
  const std::string doomed = project(ada, "doomed");
  const std::string kept = project(ada, "kept");
  const std::string t1 = id_of(task(ada, doomed));
  const std::string t2 = id_of(task(ada, doomed));
  const std::string t3 = id_of(task(ada, kept));
  ASSERT_EQ(client.request("DELETE", "/api/projects/" + doomed, {}, ada.bearer()).status, 204);
  expect_error(client.get("/api/projects/" + doomed, ada.bearer()), 404, "NOT_FOUND");
  expect_error(client.get("/api/tasks/" + t1, ada.bearer()), 404, "NOT_FOUND");
  expect_error(client.get("/api/tasks/" + t2, admin.bearer()), 404, "NOT_FOUND");
  EXPECT_EQ(client.get("/api/tasks/" + t3, ada.bearer()).status, 200);
  EXPECT_EQ(column_of(client.get("/api/tasks", ada.bearer()), "id"), std::vector<std::string>{t3});
}

TEST_F(Resources, DeletingAUserRemovesTheRecordsTheyOwn) {
  const std::string adas = project(ada);
  const std::string adas_task = id_of(task(ada, adas));
  const std::string bobs = project(bob);
  const std::string bobs_task = id_of(task(bob, bobs));
  ASSERT_EQ(client.request("DELETE", "/api/users/" + ada.id, {}, admin.bearer()).status, 204);
  expect_error(client.get("/api/projects/" + adas, admin.bearer()), 404, "NOT_FOUND");
  expect_error(client.get("/api/tasks/" + adas_task, admin.bearer()), 404, "NOT_FOUND");
  EXPECT_EQ(client.get("/api/projects/" + bobs, admin.bearer()).status, 200);
  EXPECT_EQ(client.get("/api/tasks/" + bobs_task, bob.bearer()).status, 200);
  // Deleting yourself does the same.
  ASSERT_EQ(client.request("DELETE", "/api/users/" + bob.id, {}, bob.bearer()).status, 204);
  expect_error(client.get("/api/projects/" + bobs, admin.bearer()), 404, "NOT_FOUND");
  EXPECT_EQ(client.get("/api/tasks", admin.bearer()).json().at("meta").at("total"), 0);
}

TEST_F(Resources, TaskListsFilterSortPageSelectAndExpand) {
  const std::string p1 = project(ada, "First");
  const std::string p2 = project(ada, "Second");
  task(ada, p1, {{"title", "Buy milk"}, {"priority", 2}, {"status", "done"}, {"dueAt", "2026-05-01T09:00:00Z"}});
  task(ada, p1, {{"title", "write docs"}, {"priority", 5}});
  task(ada, p2, {{"title", "Fix 100% of bugs"}, {"priority", 4}, {"status", "in_progress"},
                 {"dueAt", "2026-04-01T09:00:00Z"}});
  task(ada, p2, {{"title", "Milk the cow"}, {"priority", 1}, {"dueAt", "2026-06-01T09:00:00+02:00"}});
  task(ada, p2, {{"title", "zzz"}, {"priority", 3}, {"status", "done"}});
  task(bob, project(bob), {{"title", "Bob's milk"}});

  struct Case {
    std::string query;
    std::vector<std::string> titles;  // in order
  };
  const std::vector<Case> cases = {
      {"sort=title", {"Buy milk", "Fix 100% of bugs", "Milk the cow", "write docs", "zzz"}},
      {"sort=-priority", {"write docs", "Fix 100% of bugs", "zzz", "Buy milk", "Milk the cow"}},
      {"status=done&sort=title", {"Buy milk", "zzz"}},
      {"status[ne]=done&sort=title", {"Fix 100% of bugs", "Milk the cow", "write docs"}},
      {"status[in]=todo,in_progress&sort=-priority", {"write docs", "Fix 100% of bugs", "Milk the cow"}},
      {"priority[gte]=3&priority[lt]=5&sort=priority", {"zzz", "Fix 100% of bugs"}},
      {"title[contains]=MILK&sort=title", {"Buy milk", "Milk the cow"}},
      {"title[startsWith]=milk", {"Milk the cow"}},
      {"title[contains]=%25", {"Fix 100% of bugs"}},
      {"dueAt[exists]=false&sort=title", {"write docs", "zzz"}},
      {"sort=dueAt,title", {"write docs", "zzz", "Fix 100% of bugs", "Buy milk", "Milk the cow"}},
      {"sort=-dueAt,title", {"Milk the cow", "Buy milk", "Fix 100% of bugs", "write docs", "zzz"}},
      {"dueAt[lt]=2026-06-01T07:00:00.001Z&dueAt[gt]=2026-05-01T09:00:00Z", {"Milk the cow"}},
      {"project=" + p1 + "&sort=title", {"Buy milk", "write docs"}},
      {"project[nin]=" + p1 + "&sort=title", {"Fix 100% of bugs", "Milk the cow", "zzz"}},
      {"priority%5Bgt%5D=3&sort=%2Dpriority", {"write docs", "Fix 100% of bugs"}},  // brackets encoded
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    EXPECT_EQ(column_of(client.get("/api/tasks?" + c.query, ada.bearer()), "title"), c.titles);
  }

  // fields: only those, plus id.
  for (const auto& t : data_of(client.get("/api/tasks?fields=title,status", ada.bearer()))) {
    EXPECT_EQ(keys_of(t.as_object()), (std::vector<std::string>{"id", "title", "status"}));
  }
  // expand: the project record instead of its id, also when fields leaves it out.
  for (const auto& query : {"expand=project", "fields=title&expand=project"}) {
    SCOPED_TRACE(query);
    const auto data = data_of(client.get(std::string("/api/tasks?sort=title&") + query, ada.bearer()));
    ASSERT_EQ(data.size(), 5u);
    const auto& first = data[0].as_object();
    ASSERT_TRUE(first.at("project").is_object()) << json::serialize(first);
    EXPECT_EQ(first.at("project").at("id"), json::value(p1));
    EXPECT_EQ(first.at("project").at("name"), "First");
    EXPECT_EQ(first.at("project").at("ownerId"), json::value(ada.id));
    if (std::string(query).starts_with("fields")) {
      EXPECT_EQ(keys_of(first), (std::vector<std::string>{"id", "title", "project"}));
    }
  }
  expect_validation(client.get("/api/tasks?expand=title", ada.bearer()), {"expand"});
  expect_validation(client.get("/api/tasks?fields=title,colour", ada.bearer()), {"fields"});
  expect_validation(client.get("/api/tasks?status=open", ada.bearer()), {"status"});
  expect_validation(client.get("/api/tasks?priority[gt]=high", ada.bearer()), {"priority[gt]"});
}

TEST_F(Resources, OffsetPagesCarryTotalsAndCursorsResumeThem) {
  const std::string p = project(ada);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(id_of(task(ada, p, {{"title", numbered("t", i)}})));
  std::sort(ids.begin(), ids.end());
  struct Case {
    std::string query;
    std::vector<std::string> ids;
    json::value meta;  // without nextCursor, checked for presence apart
    bool more;
  };
  const std::vector<Case> cases = {
      {"limit=2", {ids[0], ids[1]}, parse(R"({"limit":2,"page":1,"total":5,"totalPages":3})"), true},
      {"limit=2&page=2", {ids[2], ids[3]}, parse(R"({"limit":2,"page":2,"total":5,"totalPages":3})"), true},
      {"limit=2&page=3", {ids[4]}, parse(R"({"limit":2,"page":3,"total":5,"totalPages":3})"), false},
      {"limit=2&page=4", {}, parse(R"({"limit":2,"page":4,"total":5,"totalPages":3})"), false},
      {"limit=5", ids, parse(R"({"limit":5,"page":1,"total":5,"totalPages":1})"), false},
      {"", ids, parse(R"({"limit":20,"page":1,"total":5,"totalPages":1})"), false},
      {"limit=100&status=done", {}, parse(R"({"limit":100,"page":1,"total":0,"totalPages":0})"), false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    const HttpResponse res = client.get("/api/tasks?" + c.query, ada.bearer());
    EXPECT_EQ(column_of(res, "id"), c.ids);
    json::object meta = res.json().at("meta").as_object();
    ASSERT_TRUE(meta.contains("nextCursor"));
    EXPECT_EQ(meta.at("nextCursor").is_string(), c.more) << res.body;
    meta.erase("nextCursor");
    EXPECT_EQ(json::value(meta), c.meta);
  }
  // Page 2's cursor resumes at page 3, and a cursor page's meta is {limit, nextCursor}.
  const HttpResponse page2 = client.get("/api/tasks?limit=2&page=2", ada.bearer());
  const std::string cursor(page2.json().at("meta").at("nextCursor").as_string());
  const HttpResponse next = client.get("/api/tasks?limit=2&cursor=" + cursor, ada.bearer());
  EXPECT_EQ(column_of(next, "id"), std::vector<std::string>{ids[4]});
  EXPECT_EQ(next.json().at("meta"), parse(R"({"limit":2,"nextCursor":null})"));

  for (const auto& bad : {"limit=0", "limit=101", "limit=abc", "limit=-1", "limit=2.5"}) {
    expect_validation(client.get(std::string("/api/tasks?") + bad, ada.bearer()), {"limit"});
  }
  for (const auto& bad : {"page=0", "page=abc", "page=-2"}) {
    expect_validation(client.get(std::string("/api/tasks?") + bad, ada.bearer()), {"page"});
  }
  expect_validation(client.get("/api/tasks?page=1&cursor=" + cursor, ada.bearer()), {"cursor"});
}

// total=false (API.md §6): an offset page without total and totalPages, and no count run for it.
TEST_F(Resources, TotalFalseLeavesTheTotalsOutOfOffsetPages) {
  const std::string p = project(ada);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(id_of(task(ada, p, {{"title", numbered("t", i)}})));
  std::sort(ids.begin(), ids.end());
  struct Case {
    std::string query;
    std::vector<std::string> ids;
    json::value meta;  // without nextCursor
  };
  const std::vector<Case> cases = {
      {"limit=2&total=false", {ids[0], ids[1]}, parse(R"({"limit":2,"page":1})")},
      {"limit=2&page=3&total=false", {ids[4]}, parse(R"({"limit":2,"page":3})")},
      {"total=false&status=done", {}, parse(R"({"limit":20,"page":1})")},
      {"limit=2&page=2&total=true", {ids[2], ids[3]}, parse(R"({"limit":2,"page":2,"total":5,"totalPages":3})")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    const HttpResponse res = client.get("/api/tasks?" + c.query, ada.bearer());
    EXPECT_EQ(column_of(res, "id"), c.ids);
    json::object meta = res.json().at("meta").as_object();
    ASSERT_TRUE(meta.contains("nextCursor")) << res.body;
    meta.erase("nextCursor");
    EXPECT_EQ(json::value(meta), c.meta);
  }
  // The cursor of a total=false page resumes like any other; a cursor page has no totals anyway.
  const HttpResponse first = client.get("/api/tasks?limit=2&total=false", ada.bearer());
  const std::string cursor(first.json().at("meta").at("nextCursor").as_string());
  const HttpResponse next = client.get("/api/tasks?limit=2&total=false&cursor=" + cursor, ada.bearer());
  EXPECT_EQ(column_of(next, "id"), (std::vector<std::string>{ids[2], ids[3]}));
  EXPECT_EQ(keys_of(next.json().at("meta").as_object()), (std::vector<std::string>{"limit", "nextCursor"}));

  for (const auto& bad : {"total=maybe", "total=", "total=1", "total=FALSE", "total=false&total=false"}) {
    SCOPED_TRACE(bad);
    expect_validation(client.get(std::string("/api/tasks?") + bad, ada.bearer()), {"total"});
  }
}

// API.md §6: a filter value that is not UTF-8 after percent-decoding is a 400, as is U+0000
// (%00), on both databases: never a 500 (PostgreSQL refuses such text) nor a value cut short.
TEST_F(Resources, FilterValuesThatAreNotUtf8OrHoldU0000Are400NeverA500) {
  task(ada, project(ada), {{"title", "a"}});
  struct Bad {
    std::string query;
    std::string key;
  };
  const std::vector<Bad> cases = {
      {"title=%FF", "title"},
      {"title=%C3", "title"},                  // a sequence cut short
      {"title=%C0%AF", "title"},               // overlong
      {"title=%ED%A0%80", "title"},            // a UTF-16 surrogate
      {"title[contains]=%FF", "title[contains]"},
      {"title[startsWith]=x%FE", "title[startsWith]"},
      {"title[in]=a,%FF", "title[in]"},
      {"title[gt]=%FF", "title[gt]"},
      {"notes[ne]=%FF", "notes[ne]"},
      {"status=%FF", "status"},
      {"title=a%00", "title"},
      {"title[contains]=%00", "title[contains]"},
      {"title[in]=a,b%00", "title[in]"},
      {"sort=%FF", "sort"},
      {"fields=title%00", "fields"},
      {"cursor=%FF", "cursor"},
      {"%FF=a", "query"},
      {"title%00=a", "query"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    expect_validation(client.get("/api/tasks?" + c.query, ada.bearer()), {c.key});
  }
  // Valid UTF-8 still filters as before: "a" matches, "a" followed by more does not.
  EXPECT_EQ(column_of(client.get("/api/tasks?title=a", ada.bearer()), "title"), std::vector<std::string>{"a"});
  EXPECT_EQ(column_of(client.get("/api/tasks?title=%C3%A4", ada.bearer()), "title"), std::vector<std::string>{});
  EXPECT_EQ(server.logs().find("Z error "), std::string::npos) << server.logs();
}

TEST_F(Resources, ACursorOnlyResumesTheQueryAndCallerThatMadeIt) {
  const std::string p = project(ada);
  for (int i = 0; i < 4; ++i) task(ada, p, {{"title", numbered("t", i)}, {"priority", 1 + i % 2}});
  project(bob);
  const HttpResponse first = client.get("/api/tasks?limit=1&sort=title&priority=1", ada.bearer());
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string cursor(first.json().at("meta").at("nextCursor").as_string());
  std::string tampered = cursor;
  tampered[tampered.size() / 3] = tampered[tampered.size() / 3] == 'A' ? 'B' : 'A';
  const std::string admins = [&] {
    const HttpResponse r = client.get("/api/tasks?limit=1&sort=title&priority=1", admin.bearer());
    return std::string(r.json().at("meta").at("nextCursor").as_string());
  }();
  const std::string projects_cursor = [&] {
    project(ada, "second");
    const HttpResponse r = client.get("/api/projects?limit=1", ada.bearer());
    return std::string(r.json().at("meta").at("nextCursor").as_string());
  }();

  struct Case {
    std::string name;
    std::string query;
    const Account* who;
  };
  const std::vector<Case> refused = {
      {"another sort", "sort=-title&priority=1&cursor=" + cursor, &ada},
      {"no sort", "priority=1&cursor=" + cursor, &ada},
      {"another filter", "sort=title&priority=2&cursor=" + cursor, &ada},
      {"no filter", "sort=title&cursor=" + cursor, &ada},
      {"an extra filter", "sort=title&priority=1&status=todo&cursor=" + cursor, &ada},
      {"another caller", "sort=title&priority=1&cursor=" + cursor, &bob},
      {"another admin's", "sort=title&priority=1&cursor=" + admins, &ada},
      {"tampered", "sort=title&priority=1&cursor=" + tampered, &ada},
      {"garbage", "sort=title&priority=1&cursor=garbage", &ada},
      {"empty", "sort=title&priority=1&cursor=", &ada},
      {"another resource's", "cursor=" + projects_cursor, &ada},
  };
  for (const auto& c : refused) {
    SCOPED_TRACE(c.name);
    expect_validation(client.get("/api/tasks?" + c.query, c.who->bearer()), {"cursor"});
  }
  // The same query resumes, whatever the page size or the order of its parameters.
  const HttpResponse again = client.get("/api/tasks?priority=1&limit=5&sort=title&cursor=" + cursor, ada.bearer());
  EXPECT_EQ(column_of(again, "title"), std::vector<std::string>{"t2"});
}

// ---------------------------------------------------------------------------------------------
// every_type.yaml: every type, constraint, onDelete rule and kind of access rule.

class ResourcesEveryType : public ::testing::Test {
 protected:
  ResourcesEveryType()
      : server([](app::Config& c) { configure(c, every_type_resources()); }), client(server.client()) {
    admin = sign_in(client, kAdminEmail, kAdminPassword);
    alice = sign_up(client, "alice@example.com");
    bob = sign_up(client, "bob@example.com");
    eddie = create_user(client, admin, "eddie@example.com", "editor");
  }

  std::string group(const Account& who, const std::string& label) {
    return id_of(create(client, "groups", {{"label", label}}, who));
  }
  std::string item(const Account& who, json::object fields) { return id_of(create(client, "items", fields, who)); }

  // Five items of alice's with known values (and one of bob's), by code.
  std::map<std::string, std::string> seed_items() {
    g_a = group(alice, "gA");
    g_b = group(alice, "gB");
    std::map<std::string, std::string> ids;
    ids["A-1"] = item(alice, {{"code", "A-1"}, {"name", "Alpha"}, {"body", "first body"}, {"count", 1},
                              {"big", 10}, {"ratio", 0.5}, {"flag", true}, {"at", "2026-01-01T00:00:00Z"},
                              {"kind", "a"}, {"contact", "a@x.io"}, {"site", "https://a.example/x"},
                              {"meta", {{"k", 1}}}, {"keeper", g_a}});
    ids["B-2"] = item(alice, {{"code", "B-2"}, {"name", "beta_%\\"}, {"body", "Second"}, {"count", 5},
                              {"big", -3}, {"ratio", 1.5}, {"flag", false}, {"at", "2026-06-01T12:00:00Z"},
                              {"kind", "b"}, {"site", "http://b.example"}, {"meta", json::array{1}},
                              {"keeper", g_b}});
    ids["C-3"] = item(alice, {{"code", "C-3"}, {"name", "Gamma"}, {"body", "THIRD body"}, {"count", -5},
                              {"ratio", 0}, {"flag", true}, {"at", "2026-03-01T00:00:00+01:00"},
                              {"kind", "c"}, {"contact", "c@x.io"}, {"keeper", g_a}});
    ids["D-4"] = item(alice, {{"code", "D-4"}, {"count", nullptr}, {"flag", nullptr}, {"at", nullptr},
                              {"kind", nullptr}});
    ids["E-5"] = item(alice, {{"code", "E-5"}, {"name", "\xC3\xA9" "clair"}, {"body", "50% off_sale"},
                              {"count", 100}, {"big", 0}, {"ratio", 1}, {"flag", false},
                              {"at", "2026-01-01T00:00:00.001Z"}, {"kind", "a"}, {"contact", "e@x.io"},
                              {"site", "https://e.example"}, {"meta", json::object{}}, {"keeper", g_b}});
    item(bob, {{"code", "Z-9"}, {"name", "Alpha"}, {"count", 1}});
    return ids;
  }

  TestServer server;
  HttpClient client;
  Account admin, alice, bob, eddie;
  std::string g_a, g_b;
};

struct TypeCase {
  std::string field;
  std::string value;   // JSON
  std::string stored;  // JSON as returned; empty: refused with details naming the field
};

TEST_F(ResourcesEveryType, EveryFieldTypeAcceptsAndNormalisesWhatItShouldAndRefusesTheRest) {
  const std::string g = group(alice, "g");
  const std::string alices_vault = id_of(create(client, "vault", {{"secret", "s"}}, alice));
  const std::string bobs_vault = id_of(create(client, "vault", {{"secret", "s"}}, bob));
  auto chars = [](int n, const std::string& c) {
    std::string s;
    for (int i = 0; i < n; ++i) s += c;
    return s;
  };
  const std::string e255 = chars(255, "\xC3\xA9"), e256 = chars(256, "\xC3\xA9");
  const std::string q = "\"";
  const std::vector<TypeCase> cases = {
      // string: required, unique, minLength 3, maxLength 8, an anchored pattern
      {"code", R"("A-1")", R"("A-1")"},
      {"code", R"("ABCDE-12")", R"("ABCDE-12")"},
      {"code", R"("ABCDE-123")", ""},  // 9 characters
      {"code", R"("A1")", ""},         // too short
      {"code", R"("ab-1")", ""},       // pattern
      {"code", R"("xAB-1")", ""},      // pattern is anchored with ^
      {"code", R"("AB-1x")", ""},      // ...and $
      {"code", "12", ""},
      {"code", "null", ""},
      {"code", R"("")", ""},
      // string: 255 characters by default, counted as characters
      {"name", q + std::string(255, 'n') + q, q + std::string(255, 'n') + q},
      {"name", q + std::string(256, 'n') + q, ""},
      {"name", q + e255 + q, q + e255 + q},
      {"name", q + e256 + q, ""},
      {"name", R"("")", R"("")"},
      {"name", "null", "null"},
      {"name", "5", ""},
      {"name", "true", ""},
      {"name", R"(["x"])", ""},
      // string with an unanchored pattern: a partial match is enough
      {"tag", R"("abc1def")", R"("abc1def")"},
      {"tag", R"("7")", R"("7")"},
      {"tag", R"("abc")", ""},
      // text with minLength 2 and maxLength 1000, in characters
      {"body", R"("éé")", R"("éé")"},
      {"body", R"("é")", ""},  // two bytes, one character
      {"body", q + chars(1000, "\xC3\xBC") + q, q + chars(1000, "\xC3\xBC") + q},
      {"body", q + std::string(1001, 'b') + q, ""},
      {"body", "3", ""},
      // integer with min -5 and max 100
      {"count", "-5", "-5"},
      {"count", "100", "100"},
      {"count", "0", "0"},
      {"count", "2.0", "2"},
      {"count", "1e1", "10"},
      {"count", "-6", ""},
      {"count", "101", ""},
      {"count", "2.5", ""},
      {"count", R"("3")", ""},
      {"count", "true", ""},
      {"count", "null", "null"},
      // integer: 64 bits
      {"big", "9223372036854775807", "9223372036854775807"},
      {"big", "-9223372036854775808", "-9223372036854775808"},
      {"big", "9223372036854775808", ""},
      {"big", "1e300", ""},
      {"big", "[1]", ""},
      // number with min 0 and max 1.5
      {"ratio", "0", "0"},
      {"ratio", "1.5", "1.5"},
      {"ratio", "0.125", "0.125"},
      {"ratio", "1", "1"},
      {"ratio", "-0.01", ""},
      {"ratio", "1.51", ""},
      {"ratio", R"("1")", ""},
      {"ratio", "false", ""},
      {"ratio", "1e400", ""},  // read as infinity, which JSON can't show
      {"ratio", "-0.0", "0"},
      // boolean: true and false only
      {"flag", "true", "true"},
      {"flag", "false", "false"},
      {"flag", "null", "null"},
      {"flag", "1", ""},
      {"flag", "0", ""},
      {"flag", R"("true")", ""},
      // datetime: RFC 3339 with an offset, stored in UTC with milliseconds
      {"at", R"("2026-12-01T10:00:00+02:00")", R"("2026-12-01T08:00:00.000Z")"},
      {"at", R"("2026-12-01T10:00:00-00:30")", R"("2026-12-01T10:30:00.000Z")"},
      {"at", R"("2026-12-01T08:00:00.5Z")", R"("2026-12-01T08:00:00.500Z")"},
      {"at", R"("2026-12-01T08:00:00.123456Z")", R"("2026-12-01T08:00:00.123Z")"},
      {"at", R"("2024-02-29T00:00:00Z")", R"("2024-02-29T00:00:00.000Z")"},
      {"at", R"("2026-12-01")", ""},
      {"at", R"("2026-12-01T10:00:00")", ""},
      {"at", R"("2026-02-29T00:00:00Z")", ""},
      {"at", R"("2026-12-01 10:00:00Z x")", ""},
      {"at", R"("tomorrow")", ""},
      {"at", "1764576000", ""},
      // enum
      {"kind", R"("a")", R"("a")"},
      {"kind", R"("c")", R"("c")"},
      {"kind", R"("d")", ""},
      {"kind", R"("A")", ""},
      {"kind", "1", ""},
      // email: trimmed and lowercased
      {"contact", R"("  Ada@Example.COM ")", R"("ada@example.com")"},
      {"contact", R"("not-an-email")", ""},
      {"contact", R"("a@")", ""},
      {"contact", "5", ""},
      // url: absolute http(s) with a host
      {"site", R"("https://example.com/a?b=c#d")", R"("https://example.com/a?b=c#d")"},
      {"site", R"("http://localhost:8080")", R"("http://localhost:8080")"},
      {"site", R"("ftp://example.com")", ""},
      {"site", R"("example.com")", ""},
      {"site", R"("/relative/path")", ""},
      {"site", R"("https://")", ""},
      {"site", R"j("javascript:alert(1)")j", ""},
      {"site", "5", ""},
      {"site", R"("")", ""},  // an optional url still has to be a URL, as an optional email an address
      {"contact", R"("")", ""},
      // json: an object or an array
      {"meta", R"({"a":[1,{"b":null}],"c":"d"})", R"({"a":[1,{"b":null}],"c":"d"})"},
      {"meta", "[]", "[]"},
      {"meta", "{}", "{}"},
      {"meta", R"([1,"x",true])", R"([1,"x",true])"},
      {"meta", "null", "null"},
      {"meta", "1", ""},
      {"meta", R"("{}")", ""},
      {"meta", "true", ""},
      // ref: the id of an existing record the caller can read
      {"keeper", q + g + q, q + g + q},
      {"keeper", "null", "null"},
      {"keeper", q + kNoSuchId + q, ""},
      {"keeper", R"("not-a-uuid")", ""},
      {"keeper", "5", ""},
      {"keeper", q + alices_vault + q, ""},  // a vault record, not a group
      {"secret", q + alices_vault + q, q + alices_vault + q},
      {"secret", q + bobs_vault + q, ""},  // exists, but alice can't read it
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field + " = " + c.value.substr(0, 60));
    // The value goes as written: re-serialising would change what the server reads.
    const std::string raw = c.field == "code" ? "{\"code\":" + c.value + "}"
                                              : "{\"code\":\"" + numbered("T-", ++n) + "\",\"" + c.field + "\":" + c.value + "}";
    const HttpResponse res = client.post("/api/items", raw, alice.bearer());
    if (c.stored.empty()) {
      expect_validation(res, {c.field});
      continue;
    }
    ASSERT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(res.json().at(c.field), parse(c.stored));
    if (const json::value expected = parse(c.stored); expected.is_int64() || expected.is_bool()) {
      // Exactly as written (e.g. 0, never -0 on one database and 0 on the other).
      EXPECT_NE(res.body.find("\"" + c.field + "\":" + c.stored + ","), std::string::npos) << res.body.substr(0, 300);
    }
    // What was stored reads back the same, and updates validate the same way.
    const std::string path = "/api/items/" + id_of(res.json().as_object());
    EXPECT_EQ(client.get(path, alice.bearer()).json().at(c.field), parse(c.stored));
    if (c.field != "code") {
      const HttpResponse patched = client.request("PATCH", path, "{\"" + c.field + "\":" + c.value + "}", alice.bearer());
      EXPECT_EQ(patched.status, 200) << patched.body;
    }
  }
  // Refused values are refused by PATCH too.
  const std::string path = "/api/items/" + item(alice, {{"code", "P-1"}});
  for (const auto& c : cases) {
    if (!c.stored.empty() || c.field == "code") continue;
    SCOPED_TRACE("PATCH " + c.field + " = " + c.value.substr(0, 60));
    expect_validation(client.request("PATCH", path, "{\"" + c.field + "\":" + c.value + "}", alice.bearer()), {c.field});
  }
}

TEST_F(ResourcesEveryType, RequiredMeansPresentNotNullAndForTextLikeTypesNotEmpty) {
  const std::string g = group(alice, "g");
  const std::vector<std::string> all = {"s", "t", "i", "n", "b", "d", "e", "m", "u", "j", "r"};
  expect_validation(client.post("/api/strict", "{}", alice.bearer()), all);
  json::object nulls;
  for (const auto& f : all) nulls[f] = nullptr;
  expect_validation(client.post("/api/strict", json_text(nulls), alice.bearer()), all);

  // Zero, false and empty JSON are values; empty strings are not.
  json::object valid{{"s", "s"}, {"t", "t"},   {"i", 0},        {"n", 0},           {"b", false}, {"d", "2026-01-01T00:00:00Z"},
                     {"e", "x"}, {"m", "m@x.io"}, {"u", "https://x.io"}, {"j", json::object{}}, {"r", g}};
  const HttpResponse created = client.post("/api/strict", json_text(valid), alice.bearer());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json().at("b"), false);
  EXPECT_EQ(created.json().at("i"), 0);
  valid["j"] = json::array{};
  EXPECT_EQ(client.post("/api/strict", json_text(valid), alice.bearer()).status, 201);
  // A number beyond a double's range reads as infinity, which JSON can't show: refused.
  for (const std::string huge : {"1e400", "-1e400"}) {
    std::string body = json_text(valid);
    body.replace(body.find("\"n\":0"), 5, "\"n\":" + huge);
    expect_validation(client.post("/api/strict", body, alice.bearer()), {"n"});
  }
  json::object empty = valid;
  for (const auto& f : {"s", "t", "m", "u"}) empty[f] = "";
  expect_validation(client.post("/api/strict", json_text(empty), alice.bearer()), {"s", "t", "m", "u"});

  const std::string path = "/api/strict/" + id_of(created.json().as_object());
  for (const auto& f : all) {
    SCOPED_TRACE(f);
    expect_validation(client.request("PATCH", path, json_text({{f, nullptr}}), alice.bearer()), {f});
  }
  expect_validation(client.request("PATCH", path, R"({"s":"","u":""})", alice.bearer()), {"s", "u"});
}

// U+0000 in any text-like field, or anywhere in a json field, is refused naming the field, on
// both databases alike (PostgreSQL's text and jsonb can't hold it); nothing is stored cut.
TEST_F(ResourcesEveryType, U0000IsRefusedInEveryTextLikeFieldNamingIt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"name", R"("a\u0000")"},
      {"body", R"("ab\u0000cd")"},
      {"contact", R"("a\u0000@x.io")"},
      {"site", R"("https://x.io/\u0000")"},
      {"tag", R"("1\u0000")"},
      {"meta", R"({"k":"\u0000"})"},
      {"meta", R"([1,["x\u0000"]])"},
      {"meta", R"({"\u0000":1})"},
  };
  for (const auto& [field, value] : cases) {
    SCOPED_TRACE(value);
    const std::string body = R"({"code":"N-1",")" + field + "\":" + value + "}";
    const HttpResponse res = client.post("/api/items", body, alice.bearer());
    expect_validation(res, {field});
    EXPECT_EQ(details_of(res).at(field), "must not contain U+0000");
  }
  EXPECT_EQ(client.get("/api/items", alice.bearer()).json().at("meta").at("total"), 0) << "nothing was stored";
  // An update too.
  const std::string id = item(alice, {{"code", "N-2"}, {"name", "ok"}});
  expect_validation(client.request("PATCH", "/api/items/" + id, R"({"name":"x\u0000y","body":"\u0000\u0000"})",
                                   alice.bearer()),
                    {"name", "body"});
  EXPECT_EQ(client.get("/api/items/" + id, alice.bearer()).json().at("name"), "ok");
  // Invalid UTF-8 in a body is not JSON at all.
  expect_error(client.post("/api/items", "{\"code\":\"N-3\",\"name\":\"\xFF\"}", alice.bearer()), 400,
               "INVALID_JSON");
  EXPECT_EQ(server.logs().find("Z error "), std::string::npos) << server.logs();
}

TEST_F(ResourcesEveryType, EveryFieldProblemIsReportedInOneAnswer) {
  const HttpResponse res = client.post(
      "/api/items",
      R"({"code":"bad","count":101,"ratio":"x","kind":"z","contact":"nope","site":"ftp://x","meta":1,"colour":"red","id":"x","ownerId":"y"})",
      alice.bearer());
  expect_validation(res, {"code", "count", "ratio", "kind", "contact", "site", "meta", "colour", "id", "ownerId"});
  const auto details = details_of(res);
  EXPECT_EQ(details.at("id"), "is set by the server");
  EXPECT_EQ(details.at("ownerId"), "is set by the server");
  EXPECT_NE(details.at("colour"), "is set by the server");
  EXPECT_EQ(client.get("/api/items", alice.bearer()).json().at("meta").at("total"), 0) << "nothing was stored";
}

TEST_F(ResourcesEveryType, DefaultsFillTheFieldsACreateLeavesOut) {
  const json::object r = create(client, "items", {{"code", "D-1"}}, alice);
  EXPECT_EQ(keys_of(r), (std::vector<std::string>{"id", "code", "name", "tag", "body", "count", "big", "ratio", "flag",
                                                  "at", "kind", "contact", "site", "meta", "keeper", "blocker",
                                                  "fallback", "secret", "ownerId", "createdAt", "updatedAt"}));
  EXPECT_EQ(r.at("count"), 7);
  EXPECT_EQ(r.at("flag"), true);
  EXPECT_EQ(r.at("at"), "2025-12-31T23:00:00.000Z") << "the declared default, in UTC";
  EXPECT_EQ(r.at("kind"), "b");
  for (const auto& f : {"name", "tag", "body", "big", "ratio", "contact", "site", "meta", "keeper", "blocker",
                        "fallback", "secret"}) {
    EXPECT_TRUE(r.at(f).is_null()) << f;
  }
  const json::object given = create(client, "items", {{"code", "D-2"}, {"count", 0}, {"flag", false}, {"kind", "c"}},
                                    alice);
  EXPECT_EQ(given.at("count"), 0);
  EXPECT_EQ(given.at("flag"), false);
  EXPECT_EQ(given.at("kind"), "c");
  // An update never applies defaults.
  const HttpResponse patched = client.request("PATCH", "/api/items/" + id_of(given), R"({"name":"n"})", alice.bearer());
  EXPECT_EQ(patched.json().at("count"), 0);
}

TEST_F(ResourcesEveryType, AUniqueFieldAnswers409NamingTheField) {
  item(alice, {{"code", "U-1"}, {"contact", "Same@X.io"}});
  const std::string other = item(alice, {{"code", "U-2"}});
  struct Case {
    std::string name;
    std::string method, path, body;
    const Account* who;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"same code", "POST", "/api/items", R"({"code":"U-1"})", &alice, "code"},
      {"same code, another owner", "POST", "/api/items", R"({"code":"U-1"})", &bob, "code"},
      {"same email, other case and spaces", "POST", "/api/items", R"({"code":"U-3","contact":" same@x.IO"})", &alice,
       "contact"},
      {"update to a taken code", "PATCH", "/api/items/" + other, R"({"code":"U-1"})", &alice, "code"},
      {"update to a taken email", "PUT", "/api/items/" + other, R"({"contact":"same@x.io"})", &alice, "contact"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const HttpResponse res = client.request(c.method, c.path, c.body, c.who->bearer());
    expect_error(res, 409, "CONFLICT");
    EXPECT_EQ(keys_of(details_of(res)), std::vector<std::string>{c.field}) << res.body;
  }
  group(alice, "taken");
  const HttpResponse dup = client.post("/api/groups", R"({"label":"taken"})", bob.bearer());
  expect_error(dup, 409, "CONFLICT");
  EXPECT_TRUE(details_of(dup).contains("label")) << dup.body;
  EXPECT_EQ(client.request("PATCH", "/api/items/" + other, R"({"code":"U-2"})", alice.bearer()).status, 200)
      << "keeping its own value is no conflict";
}

TEST_F(ResourcesEveryType, OnDeleteCascadesRestrictsOrSetsNull) {
  const std::string cascade = group(alice, "cascade");
  const std::string restrict = group(alice, "restrict");
  const std::string set_null = group(alice, "setNull");
  const std::string follows = item(alice, {{"code", "C-1"}, {"keeper", cascade}});
  const std::string blocks = item(alice, {{"code", "R-1"}, {"blocker", restrict}});
  const std::string nulled = item(alice, {{"code", "S-1"}, {"fallback", set_null}, {"keeper", restrict}});

  // restrict: refused while referenced, nothing removed.
  expect_error(client.request("DELETE", "/api/groups/" + restrict, {}, alice.bearer()), 409, "CONFLICT");
  EXPECT_EQ(client.get("/api/groups/" + restrict, alice.bearer()).status, 200);
  EXPECT_EQ(client.get("/api/items/" + blocks, alice.bearer()).status, 200);

  // setNull: the ref is cleared, the record stays.
  ASSERT_EQ(client.request("DELETE", "/api/groups/" + set_null, {}, alice.bearer()).status, 204);
  const HttpResponse after = client.get("/api/items/" + nulled, alice.bearer());
  ASSERT_EQ(after.status, 200);
  EXPECT_TRUE(after.json().at("fallback").is_null());
  EXPECT_EQ(after.json().at("keeper"), json::value(restrict));

  // cascade: the referencing record goes too.
  ASSERT_EQ(client.request("DELETE", "/api/groups/" + cascade, {}, alice.bearer()).status, 204);
  expect_error(client.get("/api/items/" + follows, alice.bearer()), 404, "NOT_FOUND");

  // Once nothing refers to it with restrict, it may go (and cascades to `nulled`'s keeper).
  ASSERT_EQ(client.request("DELETE", "/api/items/" + blocks, {}, alice.bearer()).status, 204);
  ASSERT_EQ(client.request("DELETE", "/api/groups/" + restrict, {}, alice.bearer()).status, 204);
  expect_error(client.get("/api/items/" + nulled, alice.bearer()), 404, "NOT_FOUND");

  // A ref without onDelete restricts.
  const std::string vault = id_of(create(client, "vault", {{"secret", "x"}}, alice));
  item(alice, {{"code", "V-1"}, {"secret", vault}});
  expect_error(client.request("DELETE", "/api/vault/" + vault, {}, alice.bearer()), 409, "CONFLICT");
}

TEST_F(ResourcesEveryType, DeletingAUserAppliesTheOnDeleteRulesOfOtherUsersRefs) {
  const std::string alices = group(alice, "alice's");
  const std::string follows = item(bob, {{"code", "B-1"}, {"keeper", alices}});
  const std::string points = item(bob, {{"code", "B-2"}, {"fallback", alices}});
  const std::string blocks = item(bob, {{"code", "B-3"}, {"blocker", alices}});
  // Bob's restrict ref keeps alice's group, so alice can't go yet.
  expect_error(client.request("DELETE", "/api/users/" + alice.id, {}, admin.bearer()), 409, "CONFLICT");
  EXPECT_EQ(client.get("/api/users/" + alice.id, admin.bearer()).status, 200);
  EXPECT_EQ(client.get("/api/groups/" + alices).status, 200);
  ASSERT_EQ(client.request("DELETE", "/api/items/" + blocks, {}, bob.bearer()).status, 204);
  ASSERT_EQ(client.request("DELETE", "/api/users/" + alice.id, {}, admin.bearer()).status, 204);
  expect_error(client.get("/api/groups/" + alices), 404, "NOT_FOUND");
  expect_error(client.get("/api/items/" + follows, bob.bearer()), 404, "NOT_FOUND");
  const HttpResponse kept = client.get("/api/items/" + points, bob.bearer());
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_TRUE(kept.json().at("fallback").is_null());
}

// Who may do what, for each kind of access rule (the same rule on every operation).
struct AccessCase {
  std::string resource;
  std::string caller;  // anon, alice, bob, eddie (an editor), admin
  // Expected statuses of: list (and whether the record is in it), read, update, delete, create.
  int list;
  bool sees;
  int read, update, remove, create;
};

TEST_F(ResourcesEveryType, EveryKindOfAccessRuleGrantsWhatItSays) {
  const std::map<std::string, const Account*> callers = {
      {"anon", nullptr}, {"alice", &alice}, {"bob", &bob}, {"eddie", &eddie}, {"admin", &admin}};
  // Who creates the record the others then try to reach.
  const std::map<std::string, const Account*> creator = {{"billboard", &alice}, {"lounge", &alice},
                                                         {"diary", &alice},     {"ledger", &admin},
                                                         {"newsroom", &eddie},  {"wiki", &alice}};
  const AccessCase ok_all{"", "", 200, true, 200, 200, 204, 201};
  auto all = [&](std::string r, std::string who) {
    AccessCase c = ok_all;
    c.resource = std::move(r);
    c.caller = std::move(who);
    return c;
  };
  auto denied = [&](std::string r, std::string who, int status) {
    return AccessCase{std::move(r), std::move(who), status, false, status, status, status, status};
  };
  auto not_theirs = [&](std::string r, std::string who) {  // owner rule, somebody else's record
    return AccessCase{std::move(r), std::move(who), 200, false, 404, 404, 404, 201};
  };
  const std::vector<AccessCase> cases = {
      all("billboard", "anon"), all("billboard", "alice"), all("billboard", "bob"), all("billboard", "eddie"),
      all("billboard", "admin"),

      denied("lounge", "anon", 401), all("lounge", "alice"), all("lounge", "bob"), all("lounge", "eddie"),
      all("lounge", "admin"),

      denied("diary", "anon", 401), all("diary", "alice"), not_theirs("diary", "bob"), not_theirs("diary", "eddie"),
      all("diary", "admin"),

      denied("ledger", "anon", 401), denied("ledger", "alice", 403), denied("ledger", "bob", 403),
      denied("ledger", "eddie", 403), all("ledger", "admin"),

      denied("newsroom", "anon", 401), denied("newsroom", "alice", 403), denied("newsroom", "bob", 403),
      all("newsroom", "eddie"), all("newsroom", "admin"),

      denied("wiki", "anon", 401), all("wiki", "alice"), not_theirs("wiki", "bob"), all("wiki", "eddie"),
      all("wiki", "admin"),
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.resource + " as " + c.caller);
    const Account* who = callers.at(c.caller);
    const HeaderList auth = who ? who->bearer() : HeaderList{};
    const std::string id = id_of(create(client, c.resource, {{"title", "x"}}, *creator.at(c.resource)));
    const std::string path = "/api/" + c.resource + "/" + id;
    auto check = [&](const HttpResponse& res, int status) {
      if (status >= 400) {
        expect_error(res, status, status == 401 ? "UNAUTHORIZED" : status == 403 ? "FORBIDDEN" : "NOT_FOUND");
      } else {
        EXPECT_EQ(res.status, status) << res.body;
      }
    };
    const HttpResponse list = client.get("/api/" + c.resource + "?limit=100", auth);
    check(list, c.list);
    if (list.status == 200) {
      const auto ids = column_of(list, "id");
      EXPECT_EQ(std::find(ids.begin(), ids.end(), id) != ids.end(), c.sees) << list.body;
    }
    check(client.get(path, auth), c.read);
    check(client.request("PATCH", path, R"({"title":"changed"})", auth), c.update);
    check(client.request("DELETE", path, {}, auth), c.remove);
    const HttpResponse created = client.post("/api/" + c.resource, R"({"title":"mine"})", auth);
    check(created, c.create);
    if (created.status == 201) {
      // The creator owns it (nobody, when anonymous).
      const json::value owner = created.json().at("ownerId");
      if (who) EXPECT_EQ(owner, json::value(who->id));
      else EXPECT_TRUE(owner.is_null());
    }
    if (c.remove >= 400) {
      // A refused delete removed nothing.
      EXPECT_EQ(client.get(path, creator.at(c.resource)->bearer()).status, 200);
    }
  }
}

TEST_F(ResourcesEveryType, RulesDifferPerOperation) {
  // notices: anyone lists and reads; signed-in users create; the owner or an editor updates;
  // only an admin deletes.
  const json::object n = create(client, "notices", {{"title", "hello"}}, alice);
  const std::string path = "/api/notices/" + id_of(n);
  EXPECT_EQ(client.get(path).status, 200);
  EXPECT_EQ(client.get("/api/notices").json().at("meta").at("total"), 1);
  EXPECT_EQ(client.get(path, bob.bearer()).status, 200);
  expect_error(client.request("PATCH", path, R"({"title":"bob's"})", bob.bearer()), 403, "FORBIDDEN");
  expect_error(client.request("PATCH", path, R"({"title":"anon's"})"), 401, "UNAUTHORIZED");
  expect_error(client.post("/api/notices", R"({"title":"anon"})"), 401, "UNAUTHORIZED");
  EXPECT_EQ(client.request("PATCH", path, R"({"title":"edited"})", eddie.bearer()).status, 200);
  EXPECT_EQ(client.request("PATCH", path, R"({"title":"mine"})", alice.bearer()).status, 200);
  expect_error(client.request("DELETE", path, {}, alice.bearer()), 403, "FORBIDDEN");
  expect_error(client.request("DELETE", path, {}, eddie.bearer()), 403, "FORBIDDEN");
  expect_error(client.request("DELETE", path), 401, "UNAUTHORIZED");
  EXPECT_EQ(client.get(path).json().at("title"), "mine");
  EXPECT_EQ(client.request("DELETE", path, {}, admin.bearer()).status, 204);
}

TEST_F(ResourcesEveryType, ATokenThatDoesNotVerifyIsRefusedEvenWhereAnyoneMayGo) {
  const std::string id = id_of(create(client, "billboard", {{"title", "x"}}, alice));
  const HeaderList bad = {{"Authorization", "Bearer " + alice.token + "x"}};
  expect_error(client.get("/api/billboard", bad), 401, "UNAUTHORIZED");
  expect_error(client.get("/api/billboard/" + id, bad), 401, "UNAUTHORIZED");
  expect_error(client.post("/api/billboard", R"({"title":"y"})", bad), 401, "UNAUTHORIZED");
  expect_error(client.request("DELETE", "/api/billboard/" + id, {}, bad), 401, "UNAUTHORIZED");
  expect_error(client.get("/api/billboard", {{"Authorization", "Basic abc"}}), 401, "UNAUTHORIZED");
  EXPECT_EQ(client.get("/api/billboard/" + id).status, 200) << "no token at all is fine";
  // A signed-out session's token is refused too.
  const Account session = sign_in(client, "bob@example.com");
  ASSERT_EQ(client.post("/api/auth/logout", "", session.bearer()).status, 204);
  expect_error(client.get("/api/billboard", session.bearer()), 401, "UNAUTHORIZED");
}

TEST_F(ResourcesEveryType, ARoleAnAdminGivesGrantsThatRolesRulesAfterSigningInAgain) {
  expect_error(client.get("/api/newsroom", bob.bearer()), 403, "FORBIDDEN");
  expect_error(client.request("PUT", "/api/users/" + bob.id, R"({"role":"editor"})", bob.bearer()), 403, "FORBIDDEN");
  expect_validation(client.request("PUT", "/api/users/" + bob.id, R"({"role":"chief"})", admin.bearer()), {"role"});
  const HttpResponse given = client.request("PUT", "/api/users/" + bob.id, R"({"role":"editor"})", admin.bearer());
  ASSERT_EQ(given.status, 200) << given.body;
  EXPECT_EQ(given.json().at("role"), "editor");
  expect_error(client.get("/api/newsroom", bob.bearer()), 401, "UNAUTHORIZED");  // the role change ended it
  const Account again = sign_in(client, "bob@example.com");
  EXPECT_EQ(client.get("/api/newsroom", again.bearer()).status, 200);
  EXPECT_EQ(client.post("/api/newsroom", R"({"title":"scoop"})", again.bearer()).status, 201);
  // Another declared role does not grant the editor's rules.
  ASSERT_EQ(client.request("PATCH", "/api/users/" + bob.id, R"({"role":"auditor"})", admin.bearer()).status, 200);
  expect_error(client.get("/api/newsroom", sign_in(client, "bob@example.com").bearer()), 403, "FORBIDDEN");
}

struct FilterCase {
  std::string query;
  std::vector<std::string> codes;  // of the matching records, sorted by code
};

TEST_F(ResourcesEveryType, EveryFilterOperatorOnEveryKindOfField) {
  const auto ids = seed_items();
  const std::string a1 = ids.at("A-1"), c3 = ids.at("C-3");
  const std::vector<FilterCase> cases = {
      // text (string)
      {"name=Alpha", {"A-1"}},
      {"name[eq]=Alpha", {"A-1"}},
      {"name=alpha", {}},
      {"name[ne]=Alpha", {"B-2", "C-3", "D-4", "E-5"}},
      {"name[in]=Alpha,Gamma", {"A-1", "C-3"}},
      {"name[nin]=Alpha,Gamma", {"B-2", "D-4", "E-5"}},
      {"name[contains]=AMM", {"C-3"}},
      {"name[contains]=%25", {"B-2"}},  // '%' is itself, not a wildcard
      {"name[contains]=_", {"B-2"}},
      {"name[contains]=a_", {"B-2"}},  // "Alpha" would match a wildcard '_'
      {"name[contains]=%5C", {"B-2"}},  // a backslash is itself too
      {"name=beta_%25%5C", {"B-2"}},
      {"name[startsWith]=AL", {"A-1"}},
      {"name[startsWith]=%25", {}},
      {"name[startsWith]=lpha", {}},
      {"name[gt]=B", {"B-2", "C-3", "E-5"}},  // bytewise: "Gamma" > "B", lowercase and "é" after
      {"name[gte]=Gamma", {"B-2", "C-3", "E-5"}},
      {"name[lt]=b", {"A-1", "C-3"}},
      {"name[lte]=Alpha", {"A-1"}},
      {"name[exists]=false", {"D-4"}},
      {"name[exists]=true", {"A-1", "B-2", "C-3", "E-5"}},
      // text, email, url, enum
      {"body[contains]=BODY", {"A-1", "C-3"}},
      {"body[contains]=0%25%20off_", {"E-5"}},
      {"contact=c@x.io", {"C-3"}},
      {"contact[startsWith]=E", {"E-5"}},
      {"contact[exists]=false", {"B-2", "D-4"}},
      {"site[contains]=EXAMPLE", {"A-1", "B-2", "E-5"}},
      {"site[startsWith]=https:", {"A-1", "E-5"}},
      {"kind=a", {"A-1", "E-5"}},
      {"kind[ne]=a", {"B-2", "C-3", "D-4"}},
      {"kind[in]=b,c", {"B-2", "C-3"}},
      {"kind[nin]=a", {"B-2", "C-3", "D-4"}},
      {"kind[exists]=false", {"D-4"}},
      // integer
      {"count=5", {"B-2"}},
      {"count=-5", {"C-3"}},
      {"count[ne]=1", {"B-2", "C-3", "D-4", "E-5"}},
      {"count[gt]=1", {"B-2", "E-5"}},
      {"count[gte]=1", {"A-1", "B-2", "E-5"}},
      {"count[lt]=1", {"C-3"}},
      {"count[lte]=1", {"A-1", "C-3"}},
      {"count[in]=1,100", {"A-1", "E-5"}},
      {"count[nin]=1,100", {"B-2", "C-3", "D-4"}},
      {"count[exists]=false", {"D-4"}},
      {"count[gte]=1&count[lte]=5", {"A-1", "B-2"}},
      {"count%5Bgt%5D=1", {"B-2", "E-5"}},  // brackets percent-encoded
      {"big[gt]=-4", {"A-1", "B-2", "E-5"}},
      {"big=9223372036854775807", {}},
      // number
      {"ratio=0", {"C-3"}},
      {"ratio=1", {"E-5"}},
      {"ratio=1.0", {"E-5"}},
      {"ratio[ne]=0.5", {"B-2", "C-3", "D-4", "E-5"}},
      {"ratio[gt]=0.5", {"B-2", "E-5"}},
      {"ratio[gte]=0.5", {"A-1", "B-2", "E-5"}},
      {"ratio[lt]=1", {"A-1", "C-3"}},
      {"ratio[lte]=1.5", {"A-1", "B-2", "C-3", "E-5"}},
      {"ratio[in]=0,1.5", {"B-2", "C-3"}},
      {"ratio[nin]=0,1.5", {"A-1", "D-4", "E-5"}},
      {"ratio[exists]=false", {"D-4"}},
      // boolean
      {"flag=true", {"A-1", "C-3"}},
      {"flag[eq]=false", {"B-2", "E-5"}},
      {"flag[ne]=true", {"B-2", "D-4", "E-5"}},
      {"flag[in]=true,false", {"A-1", "B-2", "C-3", "E-5"}},
      {"flag[nin]=true", {"B-2", "D-4", "E-5"}},
      {"flag[exists]=false", {"D-4"}},
      // datetime, compared as instants whatever the offset written
      {"at=2026-01-01T00:00:00Z", {"A-1"}},
      {"at=2026-01-01T01:00:00%2B01:00", {"A-1"}},
      {"at=2026-02-28T23:00:00.000Z", {"C-3"}},
      {"at[ne]=2026-01-01T00:00:00Z", {"B-2", "C-3", "D-4", "E-5"}},
      {"at[gt]=2026-01-01T00:00:00Z", {"B-2", "C-3", "E-5"}},
      {"at[gte]=2026-01-01T00:00:00.000Z", {"A-1", "B-2", "C-3", "E-5"}},
      {"at[lt]=2026-03-01T00:00:00Z", {"A-1", "C-3", "E-5"}},
      {"at[lte]=2026-02-28T23:00:00Z", {"A-1", "C-3", "E-5"}},
      {"at[lt]=2026-01-01T00:00:00.001Z", {"A-1"}},
      {"at[in]=2026-01-01T00:00:00Z,2026-06-01T14:00:00%2B02:00", {"A-1", "B-2"}},
      {"at[nin]=2026-01-01T00:00:00Z", {"B-2", "C-3", "D-4", "E-5"}},
      {"at[exists]=false", {"D-4"}},
      // ref and the record's own uuids
      {"keeper=" + g_a, {"A-1", "C-3"}},
      {"keeper[ne]=" + g_a, {"B-2", "D-4", "E-5"}},
      {"keeper[in]=" + g_a + "," + g_b, {"A-1", "B-2", "C-3", "E-5"}},
      {"keeper[nin]=" + g_a, {"B-2", "D-4", "E-5"}},
      {"keeper[exists]=false", {"D-4"}},
      {"id=" + a1, {"A-1"}},
      {"id[in]=" + a1 + "," + c3, {"A-1", "C-3"}},
      {"id[ne]=" + a1, {"B-2", "C-3", "D-4", "E-5"}},
      {"ownerId=" + alice.id, {"A-1", "B-2", "C-3", "D-4", "E-5"}},
      {"ownerId=" + bob.id, {}},
      {"createdAt[gte]=2020-01-01T00:00:00Z", {"A-1", "B-2", "C-3", "D-4", "E-5"}},
      {"updatedAt[lt]=2020-01-01T00:00:00Z", {}},
      // json: exists only
      {"meta[exists]=true", {"A-1", "B-2", "E-5"}},
      {"meta[exists]=false", {"C-3", "D-4"}},
      // several at once
      {"kind=a&count[gt]=1", {"E-5"}},
      {"flag=true&name[contains]=a&keeper=" + g_a, {"A-1", "C-3"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    const HttpResponse res = client.get("/api/items?sort=code&limit=100&" + c.query, alice.bearer());
    EXPECT_EQ(column_of(res, "code"), c.codes);
    EXPECT_EQ(res.json().at("meta").at("total"), static_cast<std::int64_t>(c.codes.size()));
  }
}

TEST_F(ResourcesEveryType, AFilterThatDoesNotFitIsRefusedNamingTheParameter) {
  seed_items();
  struct Bad {
    std::string query;
    std::vector<std::string> keys;
  };
  const std::vector<Bad> cases = {
      {"nope=1", {"nope"}},
      {"nope[eq]=1", {"nope[eq]"}},
      {"name[zz]=1", {"name[zz]"}},
      {"name[]=1", {"name[]"}},
      {"name[eq=1", {"name[eq"}},
      {"name[EQ]=1", {"name[EQ]"}},
      {"name[exists]=yes", {"name[exists]"}},
      {"count=abc", {"count"}},
      {"count=", {"count"}},
      {"count[gt]=1.5", {"count[gt]"}},
      {"count[in]=1,x", {"count[in]"}},
      {"count[contains]=1", {"count[contains]"}},
      {"count[startsWith]=1", {"count[startsWith]"}},
      {"big=9223372036854775808", {"big"}},
      {"ratio=abc", {"ratio"}},
      {"ratio=inf", {"ratio"}},
      {"ratio=nan", {"ratio"}},
      {"ratio[contains]=1", {"ratio[contains]"}},
      {"flag=1", {"flag"}},
      {"flag=TRUE", {"flag"}},
      {"flag[gt]=false", {"flag[gt]"}},
      {"flag[gte]=false", {"flag[gte]"}},
      {"flag[lt]=true", {"flag[lt]"}},
      {"flag[lte]=true", {"flag[lte]"}},
      {"flag[contains]=t", {"flag[contains]"}},
      {"at=2026-01-01", {"at"}},
      {"at[gt]=yesterday", {"at[gt]"}},
      {"at[contains]=2026", {"at[contains]"}},
      {"kind=z", {"kind"}},
      {"kind[in]=a,z", {"kind[in]"}},
      {"keeper=nope", {"keeper"}},
      {"keeper[contains]=a", {"keeper[contains]"}},
      {"id=1", {"id"}},
      {"meta=%7B%7D", {"meta"}},
      {"meta[eq]=1", {"meta[eq]"}},
      {"meta[ne]=1", {"meta[ne]"}},
      {"meta[contains]=k", {"meta[contains]"}},
      {"meta[in]=1", {"meta[in]"}},
      {"count=abc&kind=z&name[zz]=1", {"count", "kind", "name[zz]"}},
      {"sort=nope", {"sort"}},
      {"sort=meta", {"sort"}},
      {"sort=name,-name", {"sort"}},
      {"fields=nope", {"fields"}},
      {"expand=name", {"expand"}},
      {"expand=nope", {"expand"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    expect_validation(client.get("/api/items?" + c.query, alice.bearer()), c.keys);
  }
}

TEST_F(ResourcesEveryType, SortsPutNullFirstAscendingAndCompareTextBytewise) {
  const auto ids = seed_items();
  // Records with equal keys come in id order, in the direction of the last sort key.
  auto by_id = [&](std::vector<std::string> codes) {
    std::sort(codes.begin(), codes.end(), [&](const auto& a, const auto& b) { return ids.at(a) < ids.at(b); });
    return codes;
  };
  auto by_id_desc = [&](std::vector<std::string> codes) {
    codes = by_id(std::move(codes));
    std::reverse(codes.begin(), codes.end());
    return codes;
  };
  auto cat = [](std::vector<std::vector<std::string>> parts) {
    std::vector<std::string> out;
    for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  const bool a_first = g_a < g_b;
  const std::vector<std::string> by_ga = by_id_desc({"A-1", "C-3"}), by_gb = by_id_desc({"B-2", "E-5"});
  const std::vector<FilterCase> cases = {
      {"sort=name", {"D-4", "A-1", "C-3", "B-2", "E-5"}},
      {"sort=-name", {"E-5", "B-2", "C-3", "A-1", "D-4"}},
      {"sort=count", {"D-4", "C-3", "A-1", "B-2", "E-5"}},
      {"sort=-count", {"E-5", "B-2", "A-1", "C-3", "D-4"}},
      {"sort=big", cat({by_id({"C-3", "D-4"}), {"B-2", "E-5", "A-1"}})},
      {"sort=ratio", {"D-4", "C-3", "A-1", "E-5", "B-2"}},
      {"sort=-ratio", {"B-2", "E-5", "A-1", "C-3", "D-4"}},
      {"sort=flag", cat({{"D-4"}, by_id({"B-2", "E-5"}), by_id({"A-1", "C-3"})})},
      {"sort=-flag", cat({by_id_desc({"A-1", "C-3"}), by_id_desc({"B-2", "E-5"}), {"D-4"}})},
      {"sort=at", {"D-4", "A-1", "E-5", "C-3", "B-2"}},
      {"sort=-at", {"B-2", "C-3", "E-5", "A-1", "D-4"}},
      {"sort=kind", cat({{"D-4"}, by_id({"A-1", "E-5"}), {"B-2", "C-3"}})},
      {"sort=kind,-count", {"D-4", "E-5", "A-1", "B-2", "C-3"}},
      {"sort=-kind,name", {"C-3", "B-2", "A-1", "E-5", "D-4"}},
      {"sort=contact", cat({by_id({"B-2", "D-4"}), {"A-1", "C-3", "E-5"}})},
      {"sort=-body", {"A-1", "C-3", "B-2", "E-5", "D-4"}},  // "first" > "THIRD" > "Second" > "50% ..."
      {"sort=keeper,code", a_first ? cat({{"D-4"}, {"A-1", "C-3"}, {"B-2", "E-5"}})
                                   : cat({{"D-4"}, {"B-2", "E-5"}, {"A-1", "C-3"}})},
      {"sort=-keeper", a_first ? cat({by_gb, by_ga, {"D-4"}}) : cat({by_ga, by_gb, {"D-4"}})},
      {"sort=-code", {"E-5", "D-4", "C-3", "B-2", "A-1"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    EXPECT_EQ(column_of(client.get("/api/items?limit=100&" + c.query, alice.bearer()), "code"), c.codes);
  }
}

TEST_F(ResourcesEveryType, CursorPagesResumeExactlyOnEveryKindOfSortKey) {
  seed_items();
  for (int i = 0; i < 5; ++i) item(alice, {{"code", numbered("N-", i)}, {"kind", i % 2 ? "a" : "c"}, {"count", i}});
  for (const std::string sort : {"", "name", "-name", "count", "-count", "big", "-big", "ratio", "-ratio", "flag",
                                 "-flag", "at", "-at", "kind", "-kind", "contact", "-site", "keeper", "-keeper",
                                 "-createdAt", "updatedAt", "-id", "kind,-count", "flag,-at,name", "-kind,ratio,-id"}) {
    SCOPED_TRACE("sort=" + sort);
    const std::string query = sort.empty() ? "/api/items?code[exists]=true" : "/api/items?sort=" + sort;
    const std::vector<std::string> all = column_of(client.get(query + "&limit=100", alice.bearer()), "code");
    ASSERT_EQ(all.size(), 10u);
    std::vector<std::string> walked;
    std::string target = query + "&limit=3";
    for (int page = 0; page < 10; ++page) {
      const HttpResponse res = client.get(target, alice.bearer());
      const auto codes = column_of(res, "code");
      walked.insert(walked.end(), codes.begin(), codes.end());
      if (res.status != 200 || res.json().at("meta").at("nextCursor").is_null()) break;
      target = query + "&limit=3&cursor=" + std::string(res.json().at("meta").at("nextCursor").as_string());
    }
    EXPECT_EQ(walked, all);
  }
}

TEST_F(ResourcesEveryType, FieldsSelectAndExpandReplacesReadableRefs) {
  seed_items();
  for (const auto& r : data_of(client.get("/api/items?fields=count,code&sort=code", alice.bearer()))) {
    EXPECT_EQ(keys_of(r.as_object()), (std::vector<std::string>{"id", "code", "count"})) << "declaration order";
  }
  for (const auto& r : data_of(client.get("/api/items?fields=ownerId,createdAt", alice.bearer()))) {
    EXPECT_EQ(keys_of(r.as_object()), (std::vector<std::string>{"id", "ownerId", "createdAt"}));
  }
  const auto data = data_of(client.get("/api/items?sort=code&expand=keeper,blocker&fields=code", alice.bearer()));
  ASSERT_EQ(data.size(), 5u);
  EXPECT_EQ(keys_of(data[0].as_object()), (std::vector<std::string>{"id", "code", "keeper", "blocker"}));
  EXPECT_EQ(data[0].at("keeper").at("id"), json::value(g_a));
  EXPECT_EQ(data[0].at("keeper").at("label"), "gA");
  EXPECT_TRUE(data[0].at("blocker").is_null());
  EXPECT_EQ(data[1].at("keeper").at("label"), "gB");
  EXPECT_TRUE(data[3].at("keeper").is_null()) << "D-4 has none";

  // expand shows only records the caller may read; the others stay ids.
  const std::string vault = id_of(create(client, "vault", {{"secret", "alice's"}}, alice));
  create(client, "notices", {{"title", "n"}, {"about", vault}}, alice);
  struct Case {
    std::string who;
    const Account* account;
    bool expanded;
  };
  for (const auto& c : std::vector<Case>{{"alice", &alice, true}, {"admin", &admin, true}, {"bob", &bob, false},
                                         {"anonymous", nullptr, false}}) {
    SCOPED_TRACE(c.who);
    const auto notices = data_of(client.get("/api/notices?expand=about", c.account ? c.account->bearer() : HeaderList{}));
    ASSERT_EQ(notices.size(), 1u);
    if (c.expanded) {
      ASSERT_TRUE(notices[0].at("about").is_object());
      EXPECT_EQ(notices[0].at("about").at("secret"), "alice's");
    } else {
      EXPECT_EQ(notices[0].at("about"), json::value(vault));
    }
  }
}

// Issue 13, finding 5: a correctly signed token for a user keel doesn't have (another
// environment sharing JWT_SECRET, a restored database) is 401 on create, not a 409 about a
// foreign key.
TEST(ResourcesOwner, ACreateWithATokenWhoseUserDoesNotExistIs401) {
  TestServer server([](app::Config& c) { configure(c, default_resources()); });
  HttpClient client = server.client();
  const auth::TokenService forger(std::string(40, 'k'), "keel", std::chrono::seconds(60));
  const std::string token = forger.issue(new_uuid_v7(), "user", new_uuid_v7()).token;
  const HttpResponse res = client.post("/api/projects", R"({"name":"Ghost"})", {{"Authorization", "Bearer " + token}});
  expect_error(res, 401, "UNAUTHORIZED");
  // A real user's create still works.
  const Account ada = sign_up(client, "ada@example.com");
  EXPECT_EQ(client.post("/api/projects", R"({"name":"Real"})", ada.bearer()).status, 201);
}

}  // namespace
}  // namespace keel::test
