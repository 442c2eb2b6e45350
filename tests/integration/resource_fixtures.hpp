#pragma once
// Helpers shared by the resource, list and users-list tests: a server with a resources file,
// accounts, and reading list responses.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/run_sync.hpp"
#include "lists/list_page.hpp"
#include "resources/resource_model.hpp"
#include "storage/sql_dialect.hpp"
#include "support/expect.hpp"
#include "support/test_server.hpp"

#ifndef KEEL_SOURCE_DIR
#error "integration tests need KEEL_SOURCE_DIR to find resources files"
#endif

namespace keel::test::fixtures {

/// The default resources file (projects and tasks) and the one with every type and rule.
inline std::string default_resources() { return std::string(KEEL_SOURCE_DIR) + "/resources.yaml"; }
inline std::string every_type_resources() {
  return std::string(KEEL_SOURCE_DIR) + "/tests/integration/resources/every_type.yaml";
}

inline constexpr const char* kAdminEmail = "root@example.com";
inline constexpr const char* kAdminPassword = "root password";
inline constexpr const char* kUserPassword = "user password";

/// Fast hashing, no auth rate limit, a first admin, and the given resources file ("" for none).
inline void configure(app::Config& c, const std::string& resources_file) {
  c.bcrypt_cost = 4;
  c.jwt_secret = std::string(40, 'k');
  c.rate_limit_auth = 0;
  c.admin_email = kAdminEmail;
  c.admin_password = kAdminPassword;
  c.resources_file = resources_file;
}

struct Account {
  std::string id;
  std::string token;
  HeaderList bearer() const { return {{"Authorization", "Bearer " + token}}; }
};

/// "P" and 7 -> "P7" (appending: g++ 12 warns falsely on "literal" + std::string).
inline std::string numbered(std::string prefix, long long n) {
  prefix += std::to_string(n);
  return prefix;
}

inline std::string json_text(const boost::json::object& o) { return boost::json::serialize(o); }

inline Account sign_in(HttpClient& client, const std::string& email, const std::string& password = kUserPassword) {
  const HttpResponse res = client.post("/api/auth/login", json_text({{"email", email}, {"password", password}}));
  EXPECT_EQ(res.status, 200) << res.body;
  if (res.status != 200) return {};
  const auto body = res.json();
  return {std::string(body.at("user").at("id").as_string()), std::string(body.at("accessToken").as_string())};
}

inline Account sign_up(HttpClient& client, const std::string& email) {
  const HttpResponse res = client.post("/api/auth/register",
                                       json_text({{"email", email}, {"password", kUserPassword}, {"name", "U"}}));
  EXPECT_EQ(res.status, 201) << res.body;
  if (res.status != 201) return {};
  const auto body = res.json();
  return {std::string(body.at("user").at("id").as_string()), std::string(body.at("accessToken").as_string())};
}

/// A user an admin creates with a role, signed in.
inline Account create_user(HttpClient& client, const Account& admin, const std::string& email, const std::string& role,
                           const std::string& name = "U") {
  const HttpResponse res = client.post(
      "/api/users", json_text({{"email", email}, {"password", kUserPassword}, {"name", name}, {"role", role}}),
      admin.bearer());
  EXPECT_EQ(res.status, 201) << res.body;
  return sign_in(client, email);
}

/// POSTs a record and returns it; fails the test unless it is created.
inline boost::json::object create(HttpClient& client, const std::string& resource, const boost::json::object& body,
                                  const Account& who) {
  const HttpResponse res = client.post("/api/" + resource, json_text(body), who.bearer());
  EXPECT_EQ(res.status, 201) << resource << " " << json_text(body) << " -> " << res.body;
  if (res.status != 201) return {};
  return res.json().as_object();
}

inline std::string id_of(const boost::json::object& record) {
  const auto* id = record.if_contains("id");
  return id && id->is_string() ? std::string(id->as_string()) : std::string();
}

/// The `data` array of a list response (empty, failing the test, when it isn't one).
inline boost::json::array data_of(const HttpResponse& res) {
  EXPECT_EQ(res.status, 200) << res.body;
  if (res.status != 200) return {};
  const auto body = res.json();
  const auto* data = body.as_object().if_contains("data");
  EXPECT_TRUE(data && data->is_array()) << res.body;
  return data && data->is_array() ? data->as_array() : boost::json::array();
}

/// One string field of every listed record, in order ("<null>" for null).
inline std::vector<std::string> column_of(const HttpResponse& res, const std::string& field) {
  std::vector<std::string> out;
  for (const auto& v : data_of(res)) {
    const auto* f = v.as_object().if_contains(field);
    if (!f) out.emplace_back("<absent>");
    else if (f->is_string()) out.emplace_back(f->as_string());
    else if (f->is_null()) out.emplace_back("<null>");
    else out.push_back(boost::json::serialize(*f));
  }
  return out;
}

/// The value of one series in /metrics text, e.g. `keel_list_auto_indexes_total{result="built"}`.
inline double metric(HttpClient& client, const std::string& series) {
  const std::string text = client.get("/metrics").body;
  const auto at = text.find("\n" + series + " ");
  EXPECT_NE(at, std::string::npos) << series << " in\n" << text;
  return at == std::string::npos ? -1.0 : std::stod(text.substr(at + series.size() + 2));
}

/// The `details` object of an error response (empty when there is none).
inline boost::json::object details_of(const HttpResponse& res) {
  try {
    const auto body = res.json();
    const auto* d = body.at("error").as_object().if_contains("details");
    return d && d->is_object() ? d->as_object() : boost::json::object();
  } catch (...) {
    return {};
  }
}

/// Checks a 400 VALIDATION_ERROR whose details name exactly `keys`.
inline void expect_validation(const HttpResponse& res, std::vector<std::string> keys) {
  expect_error(res, 400, "VALIDATION_ERROR");
  std::vector<std::string> got;
  for (const auto& [k, v] : details_of(res)) {
    got.emplace_back(k);
    EXPECT_TRUE(v.is_string() && !v.as_string().empty()) << k;
  }
  std::sort(got.begin(), got.end());
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(got, keys) << res.body;
}

/// The plan of the page statement of `resource`'s list with `query` (EXPLAIN on PostgreSQL,
/// with scans that would beat an index on a small table switched off; EXPLAIN QUERY PLAN on
/// SQLite), as `owner`'s own records, or all of them when `owner` is empty.
inline std::string page_plan(TestServer& server, const std::string& resource,
                             const std::vector<std::pair<std::string, std::string>>& query,
                             const std::string& owner) {
  storage::Database& db = server.app().database();
  const resources::Resource& r = *server.app().model().find(resource);
  const bool pg = db.dialect().backend() == storage::Backend::kPostgres;
  const lists::CursorCodec cursors(std::string(32, 'c'));
  const lists::ListQuery q =
      lists::parse_list_query(query, r.catalog, cursors, {r.refs, owner.empty() ? std::string("x") : owner});
  lists::Source source{r.table, r.select_list, {}, {}};
  if (!owner.empty()) {
    source.where = "owner_id = $1";
    source.params.emplace_back(owner);
  }
  const lists::Statement page = lists::page_statement(db.dialect(), source, q);
  std::string text;
  run_sync([&]() -> Task<void> {
    co_await db.transaction([&](storage::Transaction& tx) -> Task<void> {
      if (pg) {
        std::string no_seqscan = "SET LOCAL enable_seqscan = off";
        std::string no_bitmapscan = "SET LOCAL enable_bitmapscan = off";
        co_await tx.execute(std::move(no_seqscan));
        co_await tx.execute(std::move(no_bitmapscan));
      }
      std::string sql = (pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + page.text;
      const storage::Result res = co_await tx.execute(std::move(sql), page.params);
      for (const auto& row : res.rows) {
        for (const auto& v : row) {
          if (const auto* s = std::get_if<std::string>(&v)) text += *s + '\n';
        }
      }
    });
  });
  return text;
}

/// Whether a plan from page_plan sorts (rather than reading an index in order).
inline bool plan_sorts(TestServer& server, const std::string& plan) {
  const bool pg = server.app().database().dialect().backend() == storage::Backend::kPostgres;
  return plan.find(pg ? "Sort" : "TEMP B-TREE") != std::string::npos;
}

}  // namespace keel::test::fixtures
