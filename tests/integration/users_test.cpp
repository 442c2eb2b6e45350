// API.md §4 through real HTTP: who may list, read, change and delete which user.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "support/expect.hpp"
#include "support/test_server.hpp"

namespace keel::test {
namespace {

void admin_config(app::Config& c) {
  c.bcrypt_cost = 4;
  c.jwt_secret = std::string(40, 'k');
  c.rate_limit_auth = 0;
  c.admin_email = "root@example.com";
  c.admin_password = "root password";
}

struct Account {
  std::string id;
  std::string token;
  HeaderList bearer() const { return {{"Authorization", "Bearer " + token}}; }
};

Account sign_in(HttpClient& client, const std::string& email, const std::string& password) {
  const HttpResponse res = client.post("/api/auth/login", R"({"email":")" + email + R"(","password":")" + password + R"("})");
  EXPECT_EQ(res.status, 200) << res.body;
  const auto body = res.json();
  return {std::string(body.at("user").at("id").as_string()), std::string(body.at("accessToken").as_string())};
}

Account sign_up(HttpClient& client, const std::string& email) {
  const HttpResponse res = client.post("/api/auth/register",
                                       R"({"email":")" + email + R"(","password":"user password","name":"U"})");
  EXPECT_EQ(res.status, 201) << res.body;
  const auto body = res.json();
  return {std::string(body.at("user").at("id").as_string()), std::string(body.at("accessToken").as_string())};
}

class Users : public ::testing::Test {
 protected:
  Users() : server(admin_config), client(server.client()) {
    admin = sign_in(client, "root@example.com", "root password");
    ada = sign_up(client, "ada@example.com");
    bob = sign_up(client, "bob@example.com");
  }
  TestServer server;
  HttpClient client;
  Account admin, ada, bob;
};

TEST_F(Users, TheFirstAdminComesFromAdminEmailAndPassword) {
  const HttpResponse me = client.get("/api/auth/me", admin.bearer());
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json().at("role").as_string(), "admin");
  EXPECT_EQ(me.json().at("email").as_string(), "root@example.com");
}

TEST_F(Users, OnlyAdminsList) {
  const HttpResponse list = client.get("/api/users?limit=2&page=1", admin.bearer());
  ASSERT_EQ(list.status, 200) << list.body;
  const auto body = list.json();
  EXPECT_EQ(body.at("data").as_array().size(), 2u);
  EXPECT_EQ(body.at("meta").at("total").as_int64(), 3);
  EXPECT_EQ(body.at("meta").at("totalPages").as_int64(), 2);
  EXPECT_EQ(body.at("meta").at("limit").as_int64(), 2);
  EXPECT_EQ(list.body.find("password"), std::string::npos);
  EXPECT_EQ(list.body.find("$2b$"), std::string::npos);
  expect_error(client.get("/api/users", ada.bearer()), 403, "FORBIDDEN");
  expect_error(client.get("/api/users"), 401, "UNAUTHORIZED");
  expect_error(client.get("/api/users?limit=0", admin.bearer()), 400, "VALIDATION_ERROR");
  expect_error(client.get("/api/users?limit=101", admin.bearer()), 400, "VALIDATION_ERROR");
  expect_error(client.get("/api/users?bogus=1", admin.bearer()), 400, "VALIDATION_ERROR");
}

TEST_F(Users, AdminsCreateUsersWithARole) {
  const HttpResponse res = client.post(
      "/api/users", R"({"email":"Carol@Example.com","password":"carol password","name":"Carol","role":"admin"})",
      admin.bearer());
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.json().at("role").as_string(), "admin");
  EXPECT_EQ(res.json().at("email").as_string(), "carol@example.com");
  EXPECT_EQ(res.header("Location"), "/api/v1/users/" + std::string(res.json().at("id").as_string()));
  expect_error(client.post("/api/users", R"({"email":"d@example.com","password":"dddddddd","name":"D"})", ada.bearer()),
               403, "FORBIDDEN");
  expect_error(client.post("/api/users", R"({"email":"ada@example.com","password":"dddddddd","name":"D"})",
                           admin.bearer()),
               409, "CONFLICT");
  expect_error(client.post("/api/users", R"({"email":"e@example.com","password":"dddddddd","name":"E","role":"god"})",
                           admin.bearer()),
               400, "VALIDATION_ERROR");
}

TEST_F(Users, ReadingIsForAdminsAndTheUserThemself) {
  EXPECT_EQ(client.get("/api/users/" + ada.id, ada.bearer()).status, 200);
  EXPECT_EQ(client.get("/api/users/" + ada.id, admin.bearer()).status, 200);
  expect_error(client.get("/api/users/" + ada.id, bob.bearer()), 403, "FORBIDDEN");
  expect_error(client.get("/api/users/0193f1c2-7a3b-7c4d-8e5f-0123456789ab", admin.bearer()), 404, "NOT_FOUND");
}

TEST_F(Users, AUserCannotChangeOrDeleteAnother) {
  expect_error(client.request("PATCH", "/api/users/" + ada.id, R"({"name":"Mallory"})", bob.bearer()), 403, "FORBIDDEN");
  expect_error(client.request("DELETE", "/api/users/" + ada.id, {}, bob.bearer()), 403, "FORBIDDEN");
  EXPECT_EQ(client.get("/api/users/" + ada.id, ada.bearer()).json().at("name").as_string(), "U");
}

TEST_F(Users, PartialUpdatesWithPutAndPatch) {
  const HttpResponse res = client.request("PATCH", "/api/users/" + ada.id, R"({"name":"  Ada L  "})", ada.bearer());
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json().at("name").as_string(), "Ada L");
  EXPECT_EQ(res.json().at("email").as_string(), "ada@example.com");
  const HttpResponse put = client.request("PUT", "/api/users/" + ada.id, R"({"email":"ADA2@example.com"})", ada.bearer());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json().at("email").as_string(), "ada2@example.com");
  EXPECT_EQ(put.json().at("name").as_string(), "Ada L");
  expect_error(client.request("PATCH", "/api/users/" + ada.id, R"({"nickname":"x"})", ada.bearer()), 400,
               "VALIDATION_ERROR");
  expect_error(client.request("PATCH", "/api/users/" + ada.id, R"({"email":"bob@example.com"})", ada.bearer()), 409,
               "CONFLICT");
  // U+0000 in a name is refused on both databases (PostgreSQL text can't hold it), never cut.
  const HttpResponse nul = client.request("PATCH", "/api/users/" + ada.id, R"({"name":"Ada\u0000L"})", ada.bearer());
  expect_error(nul, 400, "VALIDATION_ERROR");
  EXPECT_EQ(nul.json().at("error").at("details").at("name"), "must not contain U+0000") << nul.body;
  EXPECT_EQ(client.get("/api/users/" + ada.id, ada.bearer()).json().at("name").as_string(), "Ada L");
}

TEST_F(Users, RoleEscalationByANonAdminIsRefused) {
  expect_error(client.request("PATCH", "/api/users/" + ada.id, R"({"role":"admin"})", ada.bearer()), 403, "FORBIDDEN");
  EXPECT_EQ(client.get("/api/users/" + ada.id, ada.bearer()).json().at("role").as_string(), "user");
}

TEST_F(Users, ARoleChangeRevokesThatUsersSessions) {
  const HttpResponse res = client.request("PATCH", "/api/users/" + ada.id, R"({"role":"admin"})", admin.bearer());
  ASSERT_EQ(res.status, 200) << res.body;
  expect_error(client.get("/api/auth/me", ada.bearer()), 401, "UNAUTHORIZED");
  const Account again = sign_in(client, "ada@example.com", "user password");
  EXPECT_EQ(client.get("/api/auth/me", again.bearer()).json().at("role").as_string(), "admin");
}

TEST_F(Users, ChangingYourOwnPasswordNeedsTheCurrentOneAndEndsYourOtherSessions) {
  const Account other_session = sign_in(client, "ada@example.com", "user password");
  expect_error(client.request("PATCH", "/api/users/" + ada.id, R"({"password":"new password"})", ada.bearer()), 400,
               "VALIDATION_ERROR");
  expect_error(client.request("PATCH", "/api/users/" + ada.id,
                              R"({"password":"new password","currentPassword":"wrong one"})", ada.bearer()),
               400, "VALIDATION_ERROR");
  ASSERT_EQ(client.request("PATCH", "/api/users/" + ada.id,
                           R"({"password":"new password","currentPassword":"user password"})", ada.bearer())
                .status,
            200);
  EXPECT_EQ(client.get("/api/auth/me", ada.bearer()).status, 200) << "the session that changed it stays";
  expect_error(client.get("/api/auth/me", other_session.bearer()), 401, "UNAUTHORIZED");
  expect_error(client.post("/api/auth/login", R"({"email":"ada@example.com","password":"user password"})"), 401,
               "INVALID_CREDENTIALS");
  EXPECT_EQ(client.post("/api/auth/login", R"({"email":"ada@example.com","password":"new password"})").status, 200);
}

TEST_F(Users, DeletingAUserRemovesThemAndTheirSessions) {
  ASSERT_EQ(client.request("DELETE", "/api/users/" + bob.id, {}, bob.bearer()).status, 204);
  expect_error(client.get("/api/auth/me", bob.bearer()), 401, "UNAUTHORIZED");
  expect_error(client.get("/api/users/" + bob.id, admin.bearer()), 404, "NOT_FOUND");
  expect_error(client.post("/api/auth/login", R"({"email":"bob@example.com","password":"user password"})"), 401,
               "INVALID_CREDENTIALS");
  ASSERT_EQ(client.request("DELETE", "/api/users/" + ada.id, {}, admin.bearer()).status, 204);
}

TEST_F(Users, TheLastAdminCannotBeDemotedOrDeleted) {
  expect_error(client.request("PATCH", "/api/users/" + admin.id, R"({"role":"user"})", admin.bearer()), 409, "CONFLICT");
  expect_error(client.request("DELETE", "/api/users/" + admin.id, {}, admin.bearer()), 409, "CONFLICT");
  // With a second admin, the first may go.
  ASSERT_EQ(client.request("PATCH", "/api/users/" + ada.id, R"({"role":"admin"})", admin.bearer()).status, 200);
  EXPECT_EQ(client.request("DELETE", "/api/users/" + admin.id, {}, admin.bearer()).status, 204);
}

TEST(UsersBootstrap, AdminEmailNeverOverwritesAnExistingPassword) {

  TempDir dir;
  const std::string url = "sqlite://" + (dir.path() / "keel.db").string();
  {
    TestServer first([&](app::Config& c) {
      admin_config(c);
      c.database_url = url;
    });
  }
  TestServer second([&](app::Config& c) {
    admin_config(c);
    c.database_url = url;
    c.admin_password = "another password";
  });
  HttpClient client = second.client();
  EXPECT_EQ(client.post("/api/auth/login", R"({"email":"root@example.com","password":"root password"})").status, 200);
  expect_error(client.post("/api/auth/login", R"({"email":"root@example.com","password":"another password"})"), 401,
               "INVALID_CREDENTIALS");
}

}  // namespace
}  // namespace keel::test
