// GET /api/users (API.md §4 and §6): an admin filters and sorts users on email, name, role,
// createdAt, updatedAt and id, and pages with cursors, through the same list machinery as
// resources.
#include <gtest/gtest.h>

#include <map>

#include <boost/json/parse.hpp>

#include "integration/resource_fixtures.hpp"

namespace keel::test {
namespace {

using namespace fixtures;

class UsersList : public ::testing::Test {
 protected:
  // every_type.yaml declares the roles editor and auditor.
  UsersList() : server([](app::Config& c) { configure(c, every_type_resources()); }), client(server.client()) {
    root = sign_in(client, kAdminEmail, kAdminPassword);
    add("ada@example.com", "Ada Lovelace", "user");
    add("Bob@Example.org", "bob", "editor");
    add("carol@example.com", "Carol", "admin");
    add("dave@example.net", "Dave_%", "auditor");
    add("eve@example.com", "\xC3\x89ve", "user");
  }

  void add(const std::string& email, const std::string& name, const std::string& role) {
    const HttpResponse res = client.post(
        "/api/users", json_text({{"email", email}, {"password", kUserPassword}, {"name", name}, {"role", role}}),
        root.bearer());
    ASSERT_EQ(res.status, 201) << res.body;
    ids[name] = id_of(res.json().as_object());
  }

  std::vector<std::string> names(const std::string& query, const Account& who) {
    return column_of(client.get("/api/users?limit=100&" + query, who.bearer()), "name");
  }

  TestServer server;
  HttpClient client;
  Account root;
  std::map<std::string, std::string> ids;  // by name
};

TEST_F(UsersList, FiltersOnEveryListedField) {
  struct Case {
    std::string query;
    std::vector<std::string> names;  // sorted by email
  };
  const std::vector<Case> cases = {
      {"role=admin", {"Carol", "Admin"}},
      {"role[ne]=user", {"bob", "Carol", "Dave_%", "Admin"}},
      {"role[in]=editor,auditor", {"bob", "Dave_%"}},
      {"role[nin]=admin,user", {"bob", "Dave_%"}},
      {"email=ada@example.com", {"Ada Lovelace"}},
      {"email=Bob@Example.org", {}},  // stored lowercase
      {"email[contains]=EXAMPLE.COM", {"Ada Lovelace", "Carol", "\xC3\x89ve", "Admin"}},
      {"email[startsWith]=B", {"bob"}},
      {"email[gt]=d", {"Dave_%", "\xC3\x89ve", "Admin"}},
      {"name[contains]=%25", {"Dave_%"}},
      {"name[contains]=e_", {"Dave_%"}},
      {"name[startsWith]=ca", {"Carol"}},
      {"name[lt]=a", {"Ada Lovelace", "Carol", "Dave_%", "Admin"}},  // bytewise: capitals first
      {"name[exists]=false", {}},
      {"createdAt[gte]=2020-01-01T00:00:00Z", {"Ada Lovelace", "bob", "Carol", "Dave_%", "\xC3\x89ve", "Admin"}},
      {"updatedAt[lt]=2020-01-01T00:00:00%2B00:00", {}},
      {"id=" + ids.at("Carol"), {"Carol"}},
      {"id[in]=" + ids.at("Carol") + "," + ids.at("bob"), {"bob", "Carol"}},
      {"role=user&email[contains]=eve", {"\xC3\x89ve"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    EXPECT_EQ(names("sort=email&" + c.query, root), c.names);
  }
}

TEST_F(UsersList, SortsOnEveryListedField) {
  EXPECT_EQ(names("sort=email", root),
            (std::vector<std::string>{"Ada Lovelace", "bob", "Carol", "Dave_%", "\xC3\x89ve", "Admin"}));
  EXPECT_EQ(names("sort=-email", root),
            (std::vector<std::string>{"Admin", "\xC3\x89ve", "Dave_%", "Carol", "bob", "Ada Lovelace"}));
  EXPECT_EQ(names("sort=name", root),
            (std::vector<std::string>{"Ada Lovelace", "Admin", "Carol", "Dave_%", "bob", "\xC3\x89ve"}));
  EXPECT_EQ(names("sort=role,-name", root),
            (std::vector<std::string>{"Carol", "Admin", "Dave_%", "bob", "\xC3\x89ve", "Ada Lovelace"}));
  // The walk of every order by cursor is the same as the one-shot list.
  for (const std::string sort : {"email", "-email", "name", "-name", "role,-email", "-role,name", "createdAt",
                                 "-createdAt", "updatedAt,-id", "id", "-id"}) {
    SCOPED_TRACE("sort=" + sort);
    const std::vector<std::string> all = names("sort=" + sort, root);
    ASSERT_EQ(all.size(), 6u);
    std::vector<std::string> walked;
    std::string target = "/api/users?limit=4&sort=" + sort;
    for (int page = 0; page < 6; ++page) {
      const HttpResponse res = client.get(target, root.bearer());
      const auto got = column_of(res, "name");
      walked.insert(walked.end(), got.begin(), got.end());
      if (res.status != 200 || res.json().at("meta").at("nextCursor").is_null()) break;
      if (page > 0) {
        EXPECT_EQ(res.json().at("meta").as_object().size(), 2u) << "cursor pages: limit and nextCursor";
      }
      target = "/api/users?limit=4&sort=" + sort + "&cursor=" +
               std::string(res.json().at("meta").at("nextCursor").as_string());
    }
    EXPECT_EQ(walked, all);
  }
}

TEST_F(UsersList, PagesCarryTotals) {
  const HttpResponse res = client.get("/api/users?limit=4&page=2&sort=email", root.bearer());
  EXPECT_EQ(column_of(res, "name"), (std::vector<std::string>{"\xC3\x89ve", "Admin"}));
  EXPECT_EQ(res.json().at("meta"), boost::json::parse(R"({"limit":4,"page":2,"total":6,"totalPages":2,"nextCursor":null})"));
  const HttpResponse admins = client.get("/api/users?role=admin", root.bearer());
  EXPECT_EQ(admins.json().at("meta").at("total"), 2);
}

TEST_F(UsersList, TotalFalseLeavesTheTotalsOut) {
  const HttpResponse res = client.get("/api/users?limit=4&page=2&sort=email&total=false", root.bearer());
  EXPECT_EQ(column_of(res, "name"), (std::vector<std::string>{"\xC3\x89ve", "Admin"}));
  EXPECT_EQ(res.json().at("meta"), boost::json::parse(R"({"limit":4,"page":2,"nextCursor":null})"));
  const HttpResponse first = client.get("/api/users?limit=4&total=false", root.bearer());
  EXPECT_EQ(first.json().at("meta").at("page"), 1);
  EXPECT_TRUE(first.json().at("meta").at("nextCursor").is_string());
  EXPECT_FALSE(first.json().at("meta").as_object().contains("total"));
}

TEST_F(UsersList, RefusesWhatItCanNotFilterOrSortOn) {
  struct Bad {
    std::string query;
    std::string key;
  };
  const std::vector<Bad> cases = {
      {"password=x", "password"},
      {"passwordHash[exists]=true", "passwordHash[exists]"},
      {"password_hash=x", "password_hash"},
      {"sort=password", "sort"},
      {"sort=passwordHash", "sort"},
      {"role[zz]=admin", "role[zz]"},
      {"createdAt=yesterday", "createdAt"},
      {"id=1", "id"},
      {"name[exists]=maybe", "name[exists]"},
      {"expand=role", "expand"},
      {"fields=password", "fields"},
      {"limit=101", "limit"},
      {"cursor=abc", "cursor"},
      {"page=1&cursor=abc", "cursor"},
      {"limit=5&limit=6", "limit"},
      {"sort=email&sort=name", "sort"},
      {"total=maybe", "total"},
      {"total=true&total=false", "total"},
      {"name=%FF", "name"},
      {"email[startsWith]=a%00", "email[startsWith]"},
      {"role[in]=user,%E2%82", "role[in]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    expect_validation(client.get("/api/users?" + c.query, root.bearer()), {c.key});
  }
  EXPECT_EQ(server.logs().find("Z error "), std::string::npos) << server.logs();
}

TEST_F(UsersList, ACursorBelongsToTheAdminWhoseListMadeIt) {
  const Account carol = sign_in(client, "carol@example.com");
  const HttpResponse first = client.get("/api/users?limit=2&sort=email", root.bearer());
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string cursor(first.json().at("meta").at("nextCursor").as_string());
  EXPECT_EQ(names("sort=email&cursor=" + cursor, root),
            (std::vector<std::string>{"Carol", "Dave_%", "\xC3\x89ve", "Admin"}));
  expect_validation(client.get("/api/users?sort=email&cursor=" + cursor, carol.bearer()), {"cursor"});
  expect_validation(client.get("/api/users?sort=-email&cursor=" + cursor, root.bearer()), {"cursor"});
  expect_validation(client.get("/api/users?sort=email&role=user&cursor=" + cursor, root.bearer()), {"cursor"});
  // Only admins list users at all, and a non-admin learns nothing from the parameters.
  const Account ada = sign_in(client, "ada@example.com");
  expect_error(client.get("/api/users?sort=email", ada.bearer()), 403, "FORBIDDEN");
  expect_error(client.get("/api/users?sort=password&cursor=abc", ada.bearer()), 403, "FORBIDDEN");
}

TEST_F(UsersList, FieldsKeepOnlyThoseAndTheId) {
  const HttpResponse res = client.get("/api/users?fields=email,role&sort=email&limit=1", root.bearer());
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json().at("data"), boost::json::parse(R"([{"id":")" + ids["Ada Lovelace"] +
                                                          R"(","email":"ada@example.com","role":"user"}])"));
}

}  // namespace
}  // namespace keel::test
