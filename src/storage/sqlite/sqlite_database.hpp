#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "storage/database.hpp"

namespace keel {
class BlockingPool;
class Metrics;
}  // namespace keel

namespace keel::storage {

struct SqliteOptions {
  /// The database file; its folder is created when missing.
  std::string path;
  /// How long a statement waits for another process's lock before SERVICE_UNAVAILABLE.
  std::chrono::milliseconds busy_timeout{5000};
  /// Writes waiting for the writer thread before new ones get SERVICE_UNAVAILABLE.
  std::size_t max_queued_writes = 4096;
  /// PRAGMA synchronous: FULL (an acknowledged commit survives power loss) or NORMAL.
  bool synchronous_full = true;
  /// How long one statement may run before SQLite interrupts it (SERVICE_UNAVAILABLE);
  /// zero: no limit. Waiting for another process's lock counts against busy_timeout, not this.
  std::chrono::milliseconds statement_timeout{0};
};

/// SQLite in WAL mode, the file only its owner may read (0600; its folder 0700 when keel
/// creates it), since it holds password hashes: one writer connection on a thread of its own (SQLite allows one writer
/// at a time anyway; a transaction's statements run there back to back) and read connections
/// on the blocking pool, so reads run in parallel with each other and with the writer. No
/// statement runs on the calling (I/O) thread.
class SqliteDatabase final : public Database {
 public:
  /// Opens (creating) the file and applies the connection settings; throws
  /// std::runtime_error with the path and SQLite's reason when it cannot.
  SqliteDatabase(SqliteOptions options, BlockingPool& pool, Metrics& metrics);
  ~SqliteDatabase() override;

  Task<Result> query(std::string sql, Params params = {}) override;
  Task<std::vector<Result>> query_all(std::vector<Statement> statements) override;
  Task<Result> execute(std::string sql, Params params = {}) override;
  Task<void> transaction(std::function<Task<void>(Transaction&)> body) override;
  Task<void> ping() override;
  void stop() override;
  const SqlDialect& dialect() const noexcept override;
  std::uint64_t statements_executed() const noexcept override;
  std::string_view name() const noexcept override { return "sqlite"; }

  /// Statements executed since start: lets tests count the queries a request costs.

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The file path of a `sqlite://` DATABASE_URL ("sqlite://./data/keel.db" -> "./data/keel.db",
/// "sqlite:///var/keel.db" -> "/var/keel.db"); throws std::invalid_argument for anything else.
std::string sqlite_path_from_url(std::string_view url);

}  // namespace keel::storage
