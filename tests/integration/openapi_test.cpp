// GET /api/openapi.json (API.md §7): the OpenAPI 3.1 document is built from the route table the
// server dispatches on and from the resources file, so it lists every route and each declared
// resource's schemas and list parameters.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <string>

#include <boost/json/parse.hpp>

#include "integration/resource_fixtures.hpp"

namespace keel::test {
namespace {

using namespace fixtures;
namespace json = boost::json;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string openapi_path(const std::string& pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == ':') {
      const auto end = pattern.find('/', i);
      out.push_back('{');
      out.append(pattern, i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
      out.push_back('}');
      if (end == std::string::npos) break;
      i = end - 1;
    } else {
      out.push_back(pattern[i]);
    }
  }
  return out;
}

json::object document_of(TestServer& server) {
  HttpClient client = server.client();
  const HttpResponse res = client.get("/api/openapi.json");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("Content-Type"), "application/json; charset=utf-8");
  return res.json().as_object();
}

const json::object& schema(const json::object& doc, const std::string& name) {
  return doc.at("components").at("schemas").at(name).as_object();
}

std::vector<std::string> parameter_names(const json::object& operation) {
  std::vector<std::string> out;
  if (const auto* params = operation.if_contains("parameters")) {
    for (const auto& p : params->as_array()) out.emplace_back(p.at("name").as_string());
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

TEST(OpenApi, ServedAtBothVersionsAsOpenApi31) {
  TestServer server([](app::Config& c) { configure(c, default_resources()); });
  HttpClient client = server.client();
  const HttpResponse v1 = client.get("/api/v1/openapi.json");
  const HttpResponse alias = client.get("/api/openapi.json");
  ASSERT_EQ(v1.status, 200);
  EXPECT_EQ(v1.body, alias.body);
  const json::object doc = v1.json().as_object();
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  EXPECT_EQ(doc.at("info").at("title"), "keel API");
  EXPECT_EQ(doc.at("components").at("securitySchemes").at("bearerAuth").at("scheme"), "bearer");
  EXPECT_EQ(doc, json::parse(server.app().openapi()));
}

TEST(OpenApi, EveryRouteTheServerDispatchesOnIsDocumented) {
  TestServer server([](app::Config& c) { configure(c, default_resources()); });
  const json::object doc = document_of(server);
  const auto routes = server.app().router().routes();
  std::size_t operations = 0;
  for (const auto& route : routes) {
    // The /docs page and its files, and the account pages the mail links open: HTML, not API operations.
    if (route.pattern.starts_with("/docs") || route.pattern.starts_with("/account/") ||
        route.pattern == "/verify-email" || route.pattern == "/reset-password") {
      continue;
    }
    if (route.pattern == "/api/v1/realtime") {
      // A WebSocket upgrade, not an HTTP operation: named in the document's description instead.
      EXPECT_NE(doc.at("info").at("description").as_string().find("/api/v1/realtime"), std::string::npos);
      continue;
    }
    SCOPED_TRACE(route.pattern);
    const std::string path = openapi_path(route.pattern);
    ASSERT_TRUE(doc.at("paths").as_object().contains(path)) << path;
    const auto* op = doc.at("paths").at(path).as_object().if_contains(lower(to_string(route.method)));
    ASSERT_NE(op, nullptr) << to_string(route.method);
    EXPECT_FALSE(op->at("summary").as_string().empty());
    EXPECT_TRUE(op->at("responses").as_object().contains("5XX"));
    ++operations;
  }
  std::size_t documented = 0;
  for (const auto& [path, item] : doc.at("paths").as_object()) documented += item.as_object().size();
  EXPECT_EQ(documented, operations) << "the document lists exactly the routes there are";
  // Spot checks of what each kind of route says.
  const auto& login = doc.at("paths").at("/api/v1/auth/login").at("post").as_object();
  EXPECT_TRUE(login.at("responses").as_object().contains("401"));
  EXPECT_EQ(login.at("security"), json::array{});
  const auto& me = doc.at("paths").at("/api/v1/auth/me").at("get").as_object();
  EXPECT_EQ(me.at("security"), json::parse(R"([{"bearerAuth":[]}])"));
  const auto& create_task = doc.at("paths").at("/api/v1/tasks").at("post").as_object();
  EXPECT_TRUE(create_task.at("responses").as_object().contains("201"));
  EXPECT_EQ(create_task.at("requestBody").at("content").at("application/json").at("schema").at("$ref"),
            "#/components/schemas/tasks.create");
  const auto& read_task = doc.at("paths").at("/api/v1/tasks/{id}").at("get").as_object();
  EXPECT_TRUE(read_task.at("responses").as_object().contains("304"));
  EXPECT_TRUE(read_task.at("responses").as_object().contains("404"));
  EXPECT_TRUE(doc.at("paths").at("/api/v1/tasks/{id}").at("put").at("responses").as_object().contains("412"));
}

// Issue 13, finding 1: the transport's answers (431 for big headers, 400 for malformed HTTP,
// 413 for a big body) reach every operation, and their codes are in the document's enum.
TEST(OpenApi, EveryOperationListsTheTransportsOwnErrorsWithTheCodesSent) {
  TestServer server([](app::Config& c) { configure(c, default_resources()); });
  const json::object doc = document_of(server);
  std::size_t operations = 0;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      SCOPED_TRACE(std::string(method) + " " + std::string(path));
      const auto& responses = op.at("responses").as_object();
      for (const char* status : {"400", "413", "431"}) EXPECT_TRUE(responses.contains(status)) << status;
      ++operations;
    }
  }
  EXPECT_GT(operations, 20u);
  const auto& codes = schema(doc, "Error").at("properties").at("error").at("properties").at("code").at("enum").as_array();
  // What the server really sends for a 20 KB header is in the enum.
  RawConnection conn(server.port());
  conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n");
  const HttpResponse res = conn.read_response(std::chrono::seconds(5));
  ASSERT_EQ(res.status, 431) << res.body;
  const json::value sent = res.json().at("error").at("code");
  EXPECT_NE(std::find(codes.begin(), codes.end(), sent), codes.end()) << json::serialize(sent);
  EXPECT_EQ(sent.as_string(), "HEADERS_TOO_LARGE");
}

TEST(OpenApi, ResourceSchemasFollowTheDeclarations) {
  TestServer server([](app::Config& c) { configure(c, default_resources()); });
  const json::object doc = document_of(server);
  const auto& create = schema(doc, "tasks.create");
  EXPECT_EQ(create.at("required"), json::parse(R"(["title","project"])"));
  EXPECT_EQ(create.at("additionalProperties"), false);
  const auto& props = create.at("properties").as_object();
  EXPECT_EQ(props.at("title"), json::parse(R"({"type":"string","minLength":1,"maxLength":200})"));
  EXPECT_EQ(props.at("status").at("enum"), json::parse(R"(["todo","in_progress","done",null])"));
  EXPECT_EQ(props.at("status").at("default"), "todo");
  EXPECT_EQ(props.at("priority").at("minimum"), 1);
  EXPECT_EQ(props.at("priority").at("maximum"), 5);
  EXPECT_EQ(props.at("dueAt").at("format"), "date-time");
  EXPECT_EQ(props.at("notes").at("maxLength"), 65'535) << "text's default maxLength";
  EXPECT_EQ(props.at("project").at("format"), "uuid");
  const auto& record = schema(doc, "tasks");
  for (const char* key : {"id", "title", "notes", "status", "priority", "dueAt", "project", "ownerId", "createdAt",
                          "updatedAt"}) {
    EXPECT_TRUE(record.at("properties").as_object().contains(key)) << key;
  }
  EXPECT_FALSE(schema(doc, "tasks.update").contains("required"));
  EXPECT_EQ(schema(doc, "tasks.list").at("properties").at("data").at("items").at("$ref"),
            "#/components/schemas/tasks.listItem");
  // Issue 13, findings 2-4: list rows may carry only the `fields` asked for; an update fills
  // in no defaults; a required string is non-empty.
  EXPECT_EQ(schema(doc, "tasks.listItem").at("required"), (json::array{"id"}));
  EXPECT_EQ(schema(doc, "tasks.listItem").at("properties"), schema(doc, "tasks").at("properties"));
  for (const auto& [field, prop] : schema(doc, "tasks.update").at("properties").as_object()) {
    EXPECT_FALSE(prop.as_object().contains("default")) << field;
  }
  EXPECT_EQ(schema(doc, "tasks.create").at("properties").at("status").at("default"), "todo");
  EXPECT_EQ(schema(doc, "projects.create").at("properties").at("name").at("minLength"), 1);
  EXPECT_EQ(schema(doc, "tasks.create").at("properties").at("title").at("minLength"), 1);  // declared minLength 1
  EXPECT_FALSE(schema(doc, "projects.create").at("properties").at("description").as_object().contains("minLength"));
}

TEST(OpenApi, ListRoutesDocumentTheirFiltersSortPagingFieldsAndExpand) {
  TestServer server([](app::Config& c) { configure(c, default_resources()); });
  const json::object doc = document_of(server);
  const auto tasks = parameter_names(doc.at("paths").at("/api/v1/tasks").at("get").as_object());
  for (const char* p : {"status", "status[ne]", "status[in]", "status[nin]", "title[contains]", "title[startsWith]",
                        "priority[gte]", "dueAt[exists]", "project", "ownerId", "createdAt[lt]", "sort", "limit", "page",
                        "cursor", "total", "fields", "expand"}) {
    EXPECT_TRUE(has(tasks, p)) << p;
  }
  EXPECT_FALSE(has(tasks, "priority[contains]")) << "contains is for text fields";
  const auto projects = parameter_names(doc.at("paths").at("/api/v1/projects").at("get").as_object());
  EXPECT_TRUE(has(projects, "archived"));
  EXPECT_FALSE(has(projects, "archived[gt]")) << "booleans don't compare";
  EXPECT_FALSE(has(projects, "expand")) << "projects has no refs";
  const auto users = parameter_names(doc.at("paths").at("/api/v1/users").at("get").as_object());
  for (const char* p : {"email[contains]", "role[in]", "createdAt[gte]", "sort", "cursor", "total"}) {
    EXPECT_TRUE(has(users, p)) << p;
  }
}

TEST(OpenApi, AddingAResourceAddsItsPathsAndSchemasWithNoOtherChange) {
  // The same binary on two resources files: the document follows the file.
  TestServer plain([](app::Config& c) { configure(c, default_resources()); });
  const json::object without = document_of(plain);
  TestServer every([](app::Config& c) { configure(c, every_type_resources()); });
  const json::object with = document_of(every);
  ASSERT_GT(every.app().model().resources().size(), 5u);
  EXPECT_FALSE(with.at("paths").as_object().contains("/api/v1/tasks"));
  for (const auto& r : every.app().model().resources()) {
    SCOPED_TRACE(r.decl.name);
    const std::string collection = "/api/v1/" + r.decl.name;
    EXPECT_FALSE(without.at("paths").as_object().contains(collection));
    EXPECT_TRUE(with.at("paths").as_object().contains(collection));
    EXPECT_TRUE(with.at("paths").as_object().contains(collection + "/{id}"));
    for (const std::string suffix : {"", ".create", ".update", ".list"}) {
      EXPECT_TRUE(with.at("components").at("schemas").as_object().contains(r.decl.name + suffix)) << suffix;
    }
  }
  // Declared roles join the role enum of the users schemas.
  const auto& roles = schema(with, "User").at("properties").at("role").at("enum").as_array();
  EXPECT_NE(std::find(roles.begin(), roles.end(), json::value("editor")), roles.end());
}

}  // namespace
}  // namespace keel::test
