#include "support/test_database.hpp"

#include <cstdlib>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "core/run_sync.hpp"
#include "storage/postgres/postgres_database.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace keel::test {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// One statement on the test server's default schema (creating and dropping test schemas).
void admin_execute(const std::string& sql) {
  Metrics metrics;
  storage::PostgresDatabase admin(storage::PostgresOptions{.url = postgres_test_url(), .pool_size = 1}, metrics);
  run_sync([&] { return admin.execute(sql); });
}

}  // namespace

std::string test_backend() { return env("KEEL_TEST_BACKEND") == "postgres" ? "postgres" : "sqlite"; }

std::string postgres_test_url() { return env("KEEL_TEST_POSTGRES_URL"); }

TestDatabase::TestDatabase(const std::string& backend) {
  if (backend == "postgres") {
    if (postgres_test_url().empty()) throw std::runtime_error("set KEEL_TEST_POSTGRES_URL to test on PostgreSQL");
    std::random_device rd;
    schema_ = fmt::format("t{}{}", rd(), rd());
    admin_execute("CREATE SCHEMA " + schema_);  // a name made here, never from outside
    const std::string base = postgres_test_url();
    url_ = fmt::format("{}{}options=-csearch_path%3D{}", base, base.find('?') == std::string::npos ? "?" : "&", schema_);
    db_ = std::make_unique<storage::PostgresDatabase>(storage::PostgresOptions{.url = url_}, metrics_);
  } else {
    url_ = "sqlite://" + (dir_.path() / "keel.db").string();
    db_ = std::make_unique<storage::SqliteDatabase>(storage::SqliteOptions{(dir_.path() / "keel.db").string()}, pool_,
                                                     metrics_);
  }
}

TestDatabase::~TestDatabase() {
  db_.reset();
  if (!schema_.empty()) {
    try {
      admin_execute("DROP SCHEMA " + schema_ + " CASCADE");
    } catch (const std::exception&) {
      // The throwaway server is removed after the run anyway.
    }
  }
}

}  // namespace keel::test
