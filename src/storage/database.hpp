#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/async.hpp"

namespace keel::storage {

/// A SQL value: NULL, integer (booleans are 0/1), real, or text.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;
using Params = std::vector<Value>;

/// Rows of a statement's result, with column names.
struct Result {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  std::int64_t rows_affected = 0;

  /// Index of a column by name; throws std::out_of_range when absent (a query/code mismatch).
  std::size_t column(std::string_view name) const;
};

/// One statement with its bound values.
struct Statement {
  std::string sql;
  Params params;
};

class SqlDialect;

/// Statements inside one transaction; valid only inside Database::transaction's body.
class Transaction {
 public:
  virtual ~Transaction() = default;
  /// Runs one statement with `$1..$n` placeholders. Throws keel::Error (CONFLICT for a unique
  /// violation naming the column, SERVICE_UNAVAILABLE when the database is down or busy).
  virtual Task<Result> execute(std::string sql, Params params = {}) = 0;
  /// Runs a statement whose result the caller does not need. PostgreSQL sends it with the
  /// transaction's next statement or its COMMIT, in one round trip with them; its failure then
  /// fails that statement or the commit (the transaction rolls back either way). SQLite runs it
  /// at once.
  virtual Task<void> execute_deferred(std::string sql, Params params = {}) {
    co_await execute(std::move(sql), std::move(params));
  }

  /// Calls `f` once this transaction has committed (never when it rolls back, nor when the
  /// COMMIT's outcome is unknown). `f` runs on the database's thread or the caller's loop,
  /// before the transaction's caller resumes: it must be quick and never block or throw.
  void after_commit(std::function<void()> f) { after_commit_.push_back(std::move(f)); }

 protected:
  /// For the backends, once the COMMIT succeeded.
  void committed() noexcept {
    for (auto& f : after_commit_) f();
    after_commit_.clear();
  }

 private:
  std::vector<std::function<void()>> after_commit_;
};

/// The narrow database interface the rest of keel sees. SQL uses `$1..$n` placeholders
/// in both dialects; every value travels as a bound parameter, never inside the SQL text.
/// Implementations never block the calling (I/O) thread.
class Database {
 public:
  virtual ~Database() = default;

  /// A read-only statement. Throws as Transaction::execute.
  virtual Task<Result> query(std::string sql, Params params = {}) = 0;
  /// Read-only statements run one after the other in one trip: on SQLite in one job of the
  /// blocking pool, on PostgreSQL in one pipeline (one round trip). Their results, in order.
  /// Throws as Transaction::execute (the first failure; a later statement may not have run).
  virtual Task<std::vector<Result>> query_all(std::vector<Statement> statements) {
    std::vector<Result> out;
    for (auto& s : statements) out.push_back(co_await query(std::move(s.sql), std::move(s.params)));
    co_return out;
  }
  /// One write statement in its own transaction. Throws as Transaction::execute.
  virtual Task<Result> execute(std::string sql, Params params = {}) = 0;
  /// Runs `body` in one transaction: committed when it returns, rolled back when it throws
  /// (the exception then propagates).
  virtual Task<void> transaction(std::function<Task<void>(Transaction&)> body) = 0;
  /// Checks the database answers; throws Error::unavailable when it does not.
  virtual Task<void> ping() = 0;
  /// Lets the writes under way finish, then stops the database's own threads (if it has any).
  /// Called once the server and background jobs stopped, before the event loops that await
  /// those writes are destroyed. Writes after it fail with Error::unavailable.
  virtual void stop() {}

  /// The SQL this database speaks where SQLite's and PostgreSQL's differ (sql_dialect.hpp).
  virtual const SqlDialect& dialect() const noexcept = 0;
  /// Statements run so far (BEGIN/COMMIT included): lets tests show a route's query count.
  virtual std::uint64_t statements_executed() const noexcept = 0;
  /// "sqlite" or "postgres", for logs and /readyz.
  virtual std::string_view name() const noexcept = 0;
};

}  // namespace keel::storage
