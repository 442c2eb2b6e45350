// API.md §4 through real HTTP: who may list, read, change and delete which user.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <latch>
#include <thread>

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

// emailVerified (API.md §4, §11): the bootstrap admin's address is verified, a registered one
// not yet; a change of email makes it unverified again, the same address keeps its state; admins
// can list by it.
TEST_F(Users, EmailVerifiedIsTrueForTheFirstAdminFalseForNewAccountsAndResetByANewEmail) {
  EXPECT_TRUE(client.get("/api/auth/me", admin.bearer()).json().at("emailVerified").as_bool());
  EXPECT_FALSE(client.get("/api/auth/me", ada.bearer()).json().at("emailVerified").as_bool());
  const HttpResponse same =
      client.request("PATCH", "/api/users/" + admin.id, R"({"email":"ROOT@example.com"})", admin.bearer());
  ASSERT_EQ(same.status, 200) << same.body;
  EXPECT_TRUE(same.json().at("emailVerified").as_bool()) << "the same address stays verified";
  const HttpResponse list = client.get("/api/users?emailVerified=true", admin.bearer());
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json().at("data").as_array().size(), 1u) << list.body;
  EXPECT_EQ(list.json().at("data").at(0).at("id").as_string(), admin.id);
  const HttpResponse changed =
      client.request("PATCH", "/api/users/" + admin.id, R"({"email":"root2@example.com"})", admin.bearer());
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_FALSE(changed.json().at("emailVerified").as_bool()) << "a new address is not verified";
  EXPECT_EQ(client.get("/api/users?emailVerified=true", admin.bearer()).json().at("data").as_array().size(), 0u);
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

// Issue 12, findings 6 and 7: the last-admin guard and partial updates hold when requests race.
namespace keel::test {
namespace {

void racing_config(app::Config& c) {
  admin_config(c);
  c.threads = 2;  // the two requests of a round really run side by side
  c.blocking_threads = 4;
}

// Each request on its own (already open) connection, both let go at the same moment.
std::array<HttpResponse, 2> at_once(std::uint16_t port, std::function<HttpResponse(HttpClient&)> first,
                                    std::function<HttpResponse(HttpClient&)> second) {
  std::array<HttpResponse, 2> results;
  std::array<std::function<HttpResponse(HttpClient&)>, 2> requests{std::move(first), std::move(second)};
  std::latch start(2);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        HttpClient own(port);
        start.arrive_and_wait();
        results[i] = requests[i](own);
      } catch (const std::exception& e) {
        results[i].body = e.what();  // status stays 0
      }
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

std::string role_of(HttpClient& client, const Account& admin, const std::string& id) {
  const HttpResponse res = client.get("/api/users/" + id, admin.bearer());
  EXPECT_EQ(res.status, 200) << res.body;
  return res.status == 200 ? std::string(res.json().at("role").as_string()) : "";
}

// How many of `candidates` (email, password) are admins: each signs in and reads their own role
// (with no admin left, nobody could list them).
int admins_among(HttpClient& client, const std::vector<std::pair<std::string, std::string>>& candidates) {
  int admins = 0;
  for (const auto& [email, password] : candidates) {
    const HttpResponse login =
        client.post("/api/auth/login", R"({"email":")" + email + R"(","password":")" + password + R"("})");
    if (login.status != 200) continue;  // deleted
    if (login.json().at("user").at("role").as_string() == "admin") ++admins;
  }
  return admins;
}

// A round's loser is refused because the other went first: 409 (the last admin), or 401 when
// the winner's change revoked the loser's token before its request got in.
bool lost_the_race(int status) { return status == 409 || status == 401; }

class RacingAdmins : public ::testing::Test {
 protected:
  RacingAdmins() : server(racing_config), client(server.client()) {
    root = sign_in(client, "root@example.com", "root password");
  }
  // A new admin created by `by`, signed in.
  Account new_admin(const Account& by, const std::string& email) {
    const HttpResponse res = client.post(
        "/api/users", R"({"email":")" + email + R"(","password":"admin password","name":"A","role":"admin"})",
        by.bearer());
    EXPECT_EQ(res.status, 201) << res.body;
    return sign_in(client, email, "admin password");
  }
  TestServer server;
  HttpClient client;
  Account root;
};

TEST_F(RacingAdmins, TwoAdminsDemotingEachOtherAtOnceLeaveOneAdmin) {
  // Each round starts with exactly two admins, p and q, who demote each other at the same moment.
  Account p = new_admin(root, "p0@example.com");
  std::string p_email = "p0@example.com";
  ASSERT_EQ(client.request("PATCH", "/api/users/" + root.id, R"({"role":"user"})", p.bearer()).status, 200);
  int conflicts = 0;
  for (int round = 0; round < 50; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string q_email = "q" + std::to_string(round) + "@example.com";
    const Account q = new_admin(p, q_email);
    const auto [by_p, by_q] = at_once(
        server.port(),
        [&](HttpClient& c) { return c.request("PATCH", "/api/users/" + q.id, R"({"role":"user"})", p.bearer()); },
        [&](HttpClient& c) { return c.request("PATCH", "/api/users/" + p.id, R"({"role":"user"})", q.bearer()); });
    ASSERT_EQ(admins_among(client, {{p_email, "admin password"}, {q_email, "admin password"}}), 1)
        << "p got " << by_p.status << " " << by_p.body << "; q got " << by_q.status << " " << by_q.body;
    ASSERT_TRUE((by_p.status == 200 && lost_the_race(by_q.status)) || (by_q.status == 200 && lost_the_race(by_p.status)))
        << "p got " << by_p.status << " " << by_p.body << "; q got " << by_q.status << " " << by_q.body;
    if (by_q.status == 409) expect_error(by_q, 409, "CONFLICT");
    if (by_p.status == 409) expect_error(by_p, 409, "CONFLICT");
    conflicts += by_p.status == 409 || by_q.status == 409;
    // The one still admin signs in again (a role change revoked the other's sessions; its own
    // stay) and is p of the next round.
    if (by_p.status != 200) p_email = q_email;
    p = sign_in(client, p_email, "admin password");
  }
  // Most rounds really race (a 401 means the winner's change was seen before the loser's request).
  EXPECT_GT(conflicts, 0) << "no round raced: the last-admin guard was never put to the test";
}

TEST_F(RacingAdmins, TwoAdminsDeletingEachOtherAtOnceLeaveOneAdmin) {
  Account p = new_admin(root, "p0@example.com");
  std::string p_email = "p0@example.com";
  ASSERT_EQ(client.request("DELETE", "/api/users/" + root.id, {}, p.bearer()).status, 204);
  int conflicts = 0;
  for (int round = 0; round < 50; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string q_email = "q" + std::to_string(round) + "@example.com";
    const Account q = new_admin(p, q_email);
    const auto [by_p, by_q] = at_once(
        server.port(), [&](HttpClient& c) { return c.request("DELETE", "/api/users/" + q.id, {}, p.bearer()); },
        [&](HttpClient& c) { return c.request("DELETE", "/api/users/" + p.id, {}, q.bearer()); });
    ASSERT_EQ(admins_among(client, {{p_email, "admin password"}, {q_email, "admin password"}}), 1)
        << "p got " << by_p.status << " " << by_p.body << "; q got " << by_q.status << " " << by_q.body;
    ASSERT_TRUE((by_p.status == 204 && lost_the_race(by_q.status)) || (by_q.status == 204 && lost_the_race(by_p.status)))
        << "p got " << by_p.status << " " << by_p.body << "; q got " << by_q.status << " " << by_q.body;
    conflicts += by_p.status == 409 || by_q.status == 409;
    if (by_p.status != 204) p_email = q_email;
    p = sign_in(client, p_email, "admin password");
  }
  EXPECT_GT(conflicts, 0) << "no round raced: the last-admin guard was never put to the test";
}

// The user's own update writes only what it names, so it can't put back the role an admin
// took away meanwhile. With a password change, the user's request reads the row, then spends
// bcrypt time before it writes: the admin's demotion lands in between.
TEST_F(RacingAdmins, ASelfUpdateNeverUndoesADemotionMadeMeanwhile) {
  const Account ada_signup = sign_up(client, "ada@example.com");
  std::string password = "user password";
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_EQ(client.request("PATCH", "/api/users/" + ada_signup.id, R"({"role":"admin"})", root.bearer()).status, 200);
    const Account ada = sign_in(client, "ada@example.com", password);
    const bool with_password = round % 2 == 0;
    const std::string next_password = with_password ? "password " + std::to_string(round) : password;
    const std::string own_update =
        with_password ? R"({"name":"Ada )" + std::to_string(round) + R"(","password":")" + next_password +
                            R"(","currentPassword":")" + password + R"("})"
                      : R"({"name":"Ada )" + std::to_string(round) + R"("})";
    const auto [demotion, own] = at_once(
        server.port(),
        [&](HttpClient& c) { return c.request("PATCH", "/api/users/" + ada.id, R"({"role":"user"})", root.bearer()); },
        [&](HttpClient& c) { return c.request("PATCH", "/api/users/" + ada.id, own_update, ada.bearer()); });
    ASSERT_EQ(demotion.status, 200) << demotion.body;
    ASSERT_TRUE(own.status == 200 || own.status == 401) << own.status << " " << own.body;
    if (own.status == 200) password = next_password;
    EXPECT_EQ(role_of(client, root, ada.id), "user") << "ada's own update got " << own.status << " " << own.body;
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace keel::test
