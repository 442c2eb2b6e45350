// GraphQL (API.md §13) through HTTP, on the default resources file (projects and tasks): the
// answers REST gives, the same validation, the statements a nested query costs, and the
// requests refused before they touch the database.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "integration/resource_fixtures.hpp"

namespace keel::test {
namespace {

using namespace fixtures;
namespace json = boost::json;

constexpr const char* kGraphqlResponse = "application/graphql-response+json";

/// POSTs a GraphQL request as `who` (anonymous when its token is empty).
HttpResponse gql(HttpClient& client, const std::string& query, const Account& who = {},
                 const json::object& variables = {}, HeaderList headers = {}) {
  json::object body{{"query", query}};
  if (!variables.empty()) body["variables"] = variables;
  if (!who.token.empty()) headers.emplace_back("Authorization", "Bearer " + who.token);
  return client.post("/api/graphql", json_text(body), headers);
}

/// `data` of an answer without errors (fails the test otherwise).
json::object data_of_graphql(const HttpResponse& res) {
  EXPECT_EQ(res.status, 200) << res.body;
  const json::value body = json::parse(res.body);
  EXPECT_FALSE(body.as_object().contains("errors")) << res.body;
  const json::value* data = body.as_object().if_contains("data");
  EXPECT_TRUE(data && data->is_object()) << res.body;
  return data && data->is_object() ? data->as_object() : json::object();
}

/// The `errors` array of an answer (empty, failing the test, when there is none).
json::array errors_of(const HttpResponse& res) {
  const json::value body = json::parse(res.body);
  const json::value* errors = body.as_object().if_contains("errors");
  EXPECT_TRUE(errors && errors->is_array()) << res.body;
  return errors && errors->is_array() ? errors->as_array() : json::array();
}

class Graphql : public ::testing::Test {
 protected:
  Graphql() : server_([](app::Config& c) { configure(c, default_resources()); }), client_(server_.client()) {
    ada_ = sign_up(client_, "ada@example.com");
    bob_ = sign_up(client_, "bob@example.com");
    admin_ = sign_in(client_, kAdminEmail, kAdminPassword);
  }

  /// The fewest statements `run` made the database execute in 10 tries (background jobs run
  /// statements too, now and then).
  template <class Run>
  std::uint64_t fewest_statements(Run run) {
    std::uint64_t fewest = UINT64_MAX;
    for (int attempt = 0; attempt < 10; ++attempt) {
      const std::uint64_t before = server_.app().database().statements_executed();
      run();
      fewest = std::min(fewest, server_.app().database().statements_executed() - before);
    }
    return fewest;
  }

  TestServer server_;
  HttpClient client_;
  Account ada_, bob_, admin_;
};

TEST_F(Graphql, ANestedQueryCostsTheSameStatementsForOneTaskAndAHundred) {
  for (int i = 0; i < 100; ++i) {
    const auto project = create(client_, "projects", {{"name", numbered("P", i)}}, ada_);
    create(client_, "tasks", {{"title", numbered("T", i)}, {"project", id_of(project)}}, ada_);
  }
  auto statements = [&](const std::string& query, const char* list, std::size_t rows) {
    return fewest_statements([&] {
      const HttpResponse res = gql(client_, query, ada_);
      const json::object data = data_of_graphql(res);
      const json::array nodes = data.at(list).at("nodes").as_array();
      EXPECT_EQ(nodes.size(), rows) << res.body.substr(0, 300);
      for (const auto& node : nodes) {
        if (const auto* project = node.as_object().if_contains("project")) {
          EXPECT_TRUE(project->is_object()) << "no project: " << res.body.substr(0, 300);
        }
        if (const auto* tasks = node.as_object().if_contains("tasks")) {
          EXPECT_EQ(tasks->at("nodes").as_array().size(), 1u) << res.body.substr(0, 300);
          EXPECT_EQ(tasks->at("totalCount").as_int64(), 1) << res.body.substr(0, 300);
        }
      }
    });
  };
  const char* refs = "{ tasks(first: %) { nodes { id title project { id name } } } }";
  const char* reverse =
      "{ projects(first: %) { nodes { name tasks(first: 5) { nodes { title project { name } } totalCount } } } }";
  for (const char* shape : {refs, reverse}) {
    SCOPED_TRACE(shape);
    auto with_first = [&](int n) {
      std::string q = shape;
      q.replace(q.find('%'), 1, std::to_string(n));
      return q;
    };
    const char* list = shape == refs ? "tasks" : "projects";
    const std::uint64_t for_one = statements(with_first(1), list, 1);
    const std::uint64_t for_hundred = statements(with_first(100), list, 100);
    EXPECT_EQ(for_one, for_hundred);
    EXPECT_LE(for_hundred, 5u) << "the page, its count, and one statement per level of relations";
  }
}

TEST_F(Graphql, TooDeepOrTooCostlyQueriesAreRefusedWithoutTouchingTheDatabase) {
  const std::string deep =
      "{ projects(first: 1) { nodes { tasks(first: 1) { nodes { project { tasks(first: 1) { nodes { project { "
      "tasks(first: 1) { nodes { id } } } } } } } } } } }";
  const std::string costly = "{ projects(first: 100) { nodes { tasks(first: 50) { totalCount } } } }";
  for (const auto& [query, message] : {std::pair{deep, "Query depth 11 exceeds the limit of 10"},
                                       std::pair{costly, "Query cost 10200 exceeds the limit of 10000"}}) {
    SCOPED_TRACE(query);
    const std::uint64_t spent = fewest_statements([&] {
      const HttpResponse res = gql(client_, query, ada_);
      EXPECT_EQ(res.status, 200) << "application/json answers refusals with 200: " << res.body;
      const json::array errors = errors_of(res);
      ASSERT_EQ(errors.size(), 1u) << res.body;
      EXPECT_EQ(errors[0].at("message").as_string(), message);
      EXPECT_EQ(errors[0].at("extensions").at("code").as_string(), "VALIDATION_ERROR");
      EXPECT_FALSE(json::parse(res.body).as_object().contains("data")) << res.body;
    });
    EXPECT_EQ(spent, 0u);
    const HttpResponse strict = gql(client_, query, ada_, {}, {{"Accept", kGraphqlResponse}});
    EXPECT_EQ(strict.status, 400) << strict.body;
    EXPECT_EQ(strict.header("Content-Type"), "application/graphql-response+json; charset=utf-8");
  }
}

TEST_F(Graphql, HostileDocumentsAreRefusedBeforeTheyTouchTheDatabase) {
  std::string aliases = "{";
  for (int i = 0; i < 101; ++i) aliases += " a" + std::to_string(i) + ": __typename";
  aliases += " tasks { totalCount } }";
  std::string huge = "{ tasks { totalCount } }";
  huge.append(70 * 1024, ' ');
  std::string nested = "{ tasks(filter: ";
  for (int i = 0; i < 70; ++i) nested += "{and: [";
  const struct {
    std::string query;
    std::string message;
  } cases[] = {
      {aliases, "Query aliases 101 exceed the limit of 100"},
      {huge, "Syntax Error: Document is larger than 65536 bytes."},
      {nested, "Syntax Error:"},
      {"{ __schema { types { fields { type { fields { type { fields { name } } } } } } } tasks { totalCount } }",
       "Maximum introspection depth exceeded"},
      {"{ tasks { ...A } } fragment A on TaskConnection { ...B } fragment B on TaskConnection { ...A }",
       "Cannot spread fragment \"A\" within itself via \"B\"."},
      {"subscription { tasks { totalCount } }", "subscriptions are not supported; use /api/realtime"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query.substr(0, 80));
    const std::uint64_t spent = fewest_statements([&] {
      const HttpResponse res = gql(client_, c.query, ada_);
      EXPECT_EQ(res.status, 200) << res.body.substr(0, 300);
      const json::array errors = errors_of(res);
      ASSERT_FALSE(errors.empty());
      EXPECT_NE(std::string(errors[0].at("message").as_string()).find(c.message), std::string::npos)
          << res.body.substr(0, 300);
      EXPECT_FALSE(json::parse(res.body).as_object().contains("data"));
    });
    EXPECT_EQ(spent, 0u);
  }
}

TEST_F(Graphql, QueriesAnswerWhatRestAnswersForTheOwnerAnotherUserAndAnAdmin) {
  const auto project = create(client_, "projects", {{"name", "Launch"}}, ada_);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(id_of(create(client_, "tasks",
                               {{"title", numbered("T", i)}, {"priority", 1 + i}, {"project", id_of(project)},
                                {"dueAt", "2026-12-24T10:00:00.000Z"}},
                               ada_)));
  }
  const std::string fields = "id title notes status priority dueAt ownerId createdAt updatedAt";
  for (const Account* who : {&ada_, &bob_, &admin_}) {
    const json::array rest = data_of(client_.get("/api/tasks?sort=-priority", who->bearer()));
    const json::object data = data_of_graphql(
        gql(client_, "{ tasks(sort: [PRIORITY_DESC]) { nodes { " + fields + " project { id } } totalCount } }", *who));
    const json::array nodes = data.at("tasks").at("nodes").as_array();
    ASSERT_EQ(nodes.size(), rest.size());
    EXPECT_EQ(data.at("tasks").at("totalCount").as_int64(), static_cast<std::int64_t>(rest.size()));
    for (std::size_t i = 0; i < rest.size(); ++i) {
      json::object expected = rest[i].as_object();
      expected["project"] = json::object{{"id", expected.at("project")}};
      EXPECT_TRUE(nodes[i] == json::value(expected)) << json::serialize(nodes[i]) << "\n" << json::serialize(expected);
    }
    // One record: REST's 404 is GraphQL's null.
    const HttpResponse one = client_.get("/api/tasks/" + ids[0], who->bearer());
    const json::object by_id = data_of_graphql(gql(client_, "{ task(id: \"" + ids[0] + "\") { " + fields + " } }", *who));
    if (one.status == 200) {
      json::object expected = one.json().as_object();
      expected.erase("project");
      EXPECT_TRUE(by_id.at("task") == json::value(expected)) << json::serialize(by_id) << "\n" << json::serialize(expected);
    } else {
      EXPECT_EQ(one.status, 404);
      EXPECT_TRUE(by_id.at("task").is_null()) << json::serialize(by_id);
    }
  }
  // Nobody signed in: the list rule's 401 as an error of the field; `me` is null.
  const HttpResponse anonymous = gql(client_, "{ me { id } tasks { totalCount } }");
  const json::array errors = errors_of(anonymous);
  ASSERT_EQ(errors.size(), 1u) << anonymous.body;
  EXPECT_EQ(errors[0].at("extensions").at("code").as_string(), "UNAUTHORIZED");
  EXPECT_EQ(json::serialize(errors[0].at("path")), R"(["tasks"])");
  EXPECT_TRUE(json::parse(anonymous.body).at("data").is_null()) << "tasks is non-null: " << anonymous.body;
  const json::object me = data_of_graphql(gql(client_, "{ me { id email emailVerified } }", ada_));
  EXPECT_EQ(me.at("me").at("id").as_string(), ada_.id);
  EXPECT_TRUE(data_of_graphql(gql(client_, "{ me { id } }")).at("me").is_null());
}

TEST_F(Graphql, AReferenceTheCallerMayNotReadIsNullAndUsersAreForAdmins) {
  const auto project = create(client_, "projects", {{"name", "Mine"}}, ada_);
  const auto task = create(client_, "tasks", {{"title", "T"}, {"project", id_of(project)}}, ada_);
  // The admin reads every task, and its project too; users lists for admins only.
  const json::object data = data_of_graphql(gql(
      client_, "{ tasks { nodes { project { name } } } users(sort: [EMAIL_ASC]) { nodes { email } totalCount } }",
      admin_));
  EXPECT_EQ(data.at("tasks").at("nodes").at(0).at("project").at("name").as_string(), "Mine");
  EXPECT_EQ(data.at("users").at("totalCount").as_int64(), 3);
  EXPECT_EQ(data.at("users").at("nodes").at(0).at("email").as_string(), "ada@example.com");
  const HttpResponse denied = gql(client_, "{ users { totalCount } }", bob_);
  const json::array errors = errors_of(denied);
  ASSERT_EQ(errors.size(), 1u) << denied.body;
  EXPECT_EQ(errors[0].at("extensions").at("code").as_string(), "FORBIDDEN");
  (void)task;
}

TEST_F(Graphql, MutationsValidateAsRestAndAnswerTheStoredRecord) {
  const auto project = create(client_, "projects", {{"name", "Launch"}}, ada_);
  // The same invalid body through REST and through createTask: the same details.
  const json::object bad{{"title", ""}, {"priority", 9}, {"project", id_of(project)}};
  const HttpResponse rest = client_.post("/api/tasks", json_text(bad), ada_.bearer());
  expect_validation(rest, {"priority", "title"});
  const char* create_task = "mutation($input: TaskCreateInput!) { createTask(input: $input) { id title priority status } }";
  const HttpResponse refused = gql(client_, create_task, ada_, {{"input", bad}});
  ASSERT_EQ(refused.status, 200) << refused.body;
  const json::array errors = errors_of(refused);
  ASSERT_EQ(errors.size(), 1u) << refused.body;
  EXPECT_EQ(errors[0].at("extensions").at("code").as_string(), "VALIDATION_ERROR");
  EXPECT_EQ(json::serialize(errors[0].at("extensions").at("details")), json::serialize(details_of(rest)));
  EXPECT_TRUE(json::parse(refused.body).at("data").is_null());

  const json::object created = data_of_graphql(
      gql(client_, create_task, ada_, {{"input", json::object{{"title", "Ship"}, {"project", id_of(project)}}}}));
  const std::string id(created.at("createTask").at("id").as_string());
  EXPECT_TRUE(created.at("createTask") ==
              json::value(json::object{{"id", id}, {"title", "Ship"}, {"priority", 3}, {"status", "todo"}}))
      << json::serialize(created);
  const HttpResponse stored = client_.get("/api/tasks/" + id, ada_.bearer());
  ASSERT_EQ(stored.status, 200) << stored.body;

  // Updates: bob may not touch ada's task (REST's 404), ada may.
  const std::string update = "mutation { updateTask(id: \"" + id + "\", input: {status: done}) { status } }";
  const json::array not_found = errors_of(gql(client_, update, bob_));
  ASSERT_EQ(not_found.size(), 1u);
  EXPECT_EQ(not_found[0].at("extensions").at("code").as_string(), "NOT_FOUND");
  EXPECT_EQ(data_of_graphql(gql(client_, update, ada_)).at("updateTask").at("status").as_string(), "done");
  EXPECT_EQ(client_.get("/api/tasks/" + id, ada_.bearer()).json().at("status").as_string(), "done");

  // Serial mutations: the failing one stops those after it.
  const std::string two = "mutation { a: deleteTask(id: \"" + id + "\") b: deleteTask(id: \"" + id + "\") }";
  const HttpResponse deleted = gql(client_, two, ada_);
  const json::array second = errors_of(deleted);
  ASSERT_EQ(second.size(), 1u) << deleted.body;
  EXPECT_EQ(json::serialize(second[0].at("path")), R"(["b"])");
  EXPECT_EQ(client_.get("/api/tasks/" + id, ada_.bearer()).status, 404);
}

TEST_F(Graphql, FiltersCombineWithOrAndCursorsWalkEveryRecordOnce) {
  const auto project = create(client_, "projects", {{"name", "P"}}, ada_);
  for (int i = 0; i < 7; ++i) {
    create(client_, "tasks", {{"title", numbered("T", i)}, {"priority", 1 + i % 5}, {"project", id_of(project)}}, ada_);
  }
  const char* query = R"(query($after: String) {
    tasks(first: 2, after: $after, sort: [TITLE_ASC],
          filter: {or: [{priority: {eq: 1}}, {priority: {gte: 4}}], title: {ne: "T5"}}) {
      nodes { title } pageInfo { hasNextPage endCursor } totalCount } })";
  std::vector<std::string> titles;
  json::object variables;
  for (int page = 0; page < 10; ++page) {
    const json::object data = data_of_graphql(gql(client_, query, ada_, variables));
    const json::object& tasks = data.at("tasks").as_object();
    EXPECT_EQ(tasks.at("totalCount").as_int64(), 3);  // T0 (1), T3 (4), T4 (5); T5 (1) is left out
    for (const auto& n : tasks.at("nodes").as_array()) titles.emplace_back(n.at("title").as_string());
    if (!tasks.at("pageInfo").at("hasNextPage").as_bool()) {
      EXPECT_TRUE(tasks.at("pageInfo").at("endCursor").is_null());
      break;
    }
    variables["after"] = tasks.at("pageInfo").at("endCursor");
  }
  EXPECT_EQ(titles, (std::vector<std::string>{"T0", "T3", "T4"}));

  // A root list's cursors are REST's: a nextCursor resumes in GraphQL and an endCursor in REST.
  const HttpResponse rest = client_.get("/api/tasks?limit=2&sort=title&priority[gte]=2", ada_.bearer());
  const std::string next(rest.json().at("meta").at("nextCursor").as_string());
  const char* resume = R"(query($after: String) {
    tasks(first: 2, after: $after, sort: [TITLE_ASC], filter: {priority: {gte: 2}}) {
      nodes { title } pageInfo { endCursor } } })";
  const json::object resumed = data_of_graphql(gql(client_, resume, ada_, {{"after", next}}));
  const HttpResponse rest_next =
      client_.get("/api/tasks?limit=2&sort=title&priority[gte]=2&cursor=" + next, ada_.bearer());
  json::array expected;
  for (const auto& title : column_of(rest_next, "title")) expected.push_back(json::object{{"title", title}});
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(json::serialize(resumed.at("tasks").at("nodes")), json::serialize(expected));
  const std::string end(resumed.at("tasks").at("pageInfo").at("endCursor").as_string());
  EXPECT_EQ(client_.get("/api/tasks?limit=2&sort=title&priority[gte]=2&cursor=" + end, ada_.bearer()).status, 200);

  // A bad operator value: VALIDATION_ERROR with the argument's path as REST names a parameter.
  const HttpResponse bad = gql(client_, R"({ tasks(first: 0, filter: {dueAt: {gt: "soon"}}) { totalCount } })", ada_);
  const json::array errors = errors_of(bad);
  ASSERT_EQ(errors.size(), 1u) << bad.body;
  const json::object& details = errors[0].at("extensions").at("details").as_object();
  EXPECT_TRUE(details.contains("first")) << bad.body;
  EXPECT_TRUE(details.contains("filter.dueAt.gt")) << bad.body;
  // A cursor from another query is refused.
  const HttpResponse foreign =
      gql(client_, "query($after: String) { tasks(after: $after) { totalCount } }", ada_, variables);
  ASSERT_EQ(errors_of(foreign).size(), 1u) << foreign.body;
  EXPECT_TRUE(errors_of(foreign)[0].at("extensions").at("details").as_object().contains("after"));
}

TEST_F(Graphql, TheHttpRequestIsCheckedAsGraphqlOverHttpSays) {
  // GET runs queries; a mutation over GET is 405 naming POST.
  const HttpResponse get = client_.get("/api/graphql?query=%7B__typename%7D");
  EXPECT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.body, R"({"data":{"__typename":"Query"}})");
  const HttpResponse mutation = client_.get("/api/graphql?query=mutation%7B__typename%7D");
  EXPECT_EQ(mutation.status, 405) << mutation.body;
  EXPECT_EQ(mutation.header("Allow"), "POST");
  // No query, or variables that are not an object: 400 in the errors shape.
  for (const std::string body : {R"({"qeury":"{__typename}"})", R"({"query":"{__typename}","variables":[1]})"}) {
    const HttpResponse res = client_.post("/api/graphql", body);
    EXPECT_EQ(res.status, 400) << body;
    ASSERT_EQ(errors_of(res).size(), 1u) << res.body;
    EXPECT_EQ(errors_of(res)[0].at("extensions").at("code").as_string(), "VALIDATION_ERROR");
  }
  // A refused token is a 401, never anonymous.
  const HttpResponse bad_token = gql(client_, "{ me { id } }", Account{"", "not-a-token"});
  EXPECT_EQ(bad_token.status, 401) << bad_token.body;
  EXPECT_EQ(errors_of(bad_token)[0].at("extensions").at("code").as_string(), "UNAUTHORIZED");
  // A syntax error names where it is, every time it is sent.
  for (int i = 0; i < 2; ++i) {
    const HttpResponse syntax = gql(client_, "{");
    EXPECT_EQ(syntax.status, 200);
    EXPECT_EQ(json::serialize(errors_of(syntax)[0].at("locations")), R"([{"line":1,"column":2}])");
  }
}

TEST_F(Graphql, ADocumentSentAgainRunsTheOperationAndVariablesOfEachRequest) {
  // The executor keeps valid documents by their text: the operation, variables and caller are
  // still each request's own.
  const std::string document = "query A { __typename } query B($n: Int = 1) { tasks(first: $n) { totalCount } me { email } }";
  auto run = [&](const Account& who, const char* operation, const json::object& variables) {
    json::object body{{"query", document}, {"operationName", operation}};
    if (!variables.empty()) body["variables"] = variables;
    return client_.post("/api/graphql", json_text(body), who.bearer());
  };
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(run(ada_, "A", {}).body, R"({"data":{"__typename":"Query"}})");
    EXPECT_EQ(run(ada_, "B", {}).body, R"({"data":{"tasks":{"totalCount":0},"me":{"email":"ada@example.com"}}})");
    EXPECT_EQ(run(bob_, "B", {{"n", 2}}).body, R"({"data":{"tasks":{"totalCount":0},"me":{"email":"bob@example.com"}}})");
    const HttpResponse bad = run(bob_, "B", {{"n", "two"}});
    EXPECT_EQ(errors_of(bad).size(), 1u) << bad.body;
  }
}

}  // namespace
}  // namespace keel::test
