#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "storage/database.hpp"

namespace keel {
class Metrics;
}

namespace keel::storage {

struct PostgresOptions {
  /// A libpq connection URI: postgresql://user:pass@host:port/db?sslmode=...
  std::string url;
  /// Most connections open at once; requests beyond wait for one (up to acquire_timeout).
  std::size_t pool_size = 16;
  /// How long a request waits for a free connection before SERVICE_UNAVAILABLE.
  std::chrono::milliseconds acquire_timeout{5000};
  /// How long connecting may take before SERVICE_UNAVAILABLE.
  std::chrono::milliseconds connect_timeout{5000};
  /// How long one statement may run: the server cancels it then (statement_timeout, set on
  /// each connection) and the caller gets SERVICE_UNAVAILABLE. The client gives the connection
  /// up a little later still, in case the server does not answer at all.
  std::chrono::milliseconds statement_timeout{30'000};
};

/// PostgreSQL on libpq in non-blocking mode: each connection's socket is watched by the
/// calling coroutine's event loop, so no thread ever blocks on the database. Connections are
/// pooled, prepare each statement once, reconnect after the server comes back, and a request
/// made while the server is down gets SERVICE_UNAVAILABLE rather than a hang.
class PostgresDatabase final : public Database {
 public:
  /// Parses nothing and connects lazily: the first statement opens the first connection.
  PostgresDatabase(PostgresOptions options, Metrics& metrics);
  ~PostgresDatabase() override;

  Task<Result> query(std::string sql, Params params = {}) override;
  Task<std::vector<Result>> query_all(std::vector<Statement> statements) override;
  Task<Result> execute(std::string sql, Params params = {}) override;
  Task<void> transaction(std::function<Task<void>(Transaction&)> body) override;
  Task<void> ping() override;
  const SqlDialect& dialect() const noexcept override;
  std::uint64_t statements_executed() const noexcept override;
  std::string_view name() const noexcept override { return "postgres"; }

  /// Open connections now (idle and in use).
  std::size_t open_connections() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::storage
