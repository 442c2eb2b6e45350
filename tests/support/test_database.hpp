#pragma once

#include <memory>
#include <string>

#include "core/blocking_pool.hpp"
#include "core/metrics.hpp"
#include "storage/database.hpp"
#include "support/test_server.hpp"

namespace keel::test {

/// Which database the tests run on: "sqlite" unless KEEL_TEST_BACKEND=postgres.
std::string test_backend();

/// The PostgreSQL server for tests (KEEL_TEST_POSTGRES_URL), or "" when unset.
std::string postgres_test_url();

/// A fresh, empty database of one backend, removed on destruction: a temporary SQLite file,
/// or a schema of its own on the test PostgreSQL server (selected through the URL's
/// search_path, so every connection of the pool sees it).
class TestDatabase {
 public:
  /// Throws std::runtime_error for a postgres backend without KEEL_TEST_POSTGRES_URL; callers
  /// check postgres_test_url() first and GTEST_SKIP naming the variable.
  explicit TestDatabase(const std::string& backend);
  ~TestDatabase();

  /// A DATABASE_URL for keel pointing at this database.
  const std::string& url() const noexcept { return url_; }
  storage::Database& db() noexcept { return *db_; }
  Metrics& metrics() noexcept { return metrics_; }

 private:
  TempDir dir_;
  std::string schema_;
  std::string url_;
  Metrics metrics_;
  BlockingPool pool_{2, 256};
  std::unique_ptr<storage::Database> db_;
};

}  // namespace keel::test
