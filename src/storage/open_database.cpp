#include "storage/open_database.hpp"

#include "storage/postgres/postgres_database.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace keel::storage {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";

}  // namespace

std::unique_ptr<Database> open_database(std::string_view url, const DatabaseOptions& options, BlockingPool& pool,
                                        Metrics& metrics) {
  if (url.starts_with(kSqliteScheme)) {
    SqliteOptions sqlite;
    sqlite.path = sqlite_path_from_url(url);
    sqlite.synchronous_full = options.sqlite_synchronous == SqliteSynchronous::kFull;
    sqlite.statement_timeout = options.statement_timeout;
    return std::make_unique<SqliteDatabase>(sqlite, pool, metrics);
  }
  PostgresOptions postgres;
  postgres.url = std::string(url);
  postgres.pool_size = options.pool_size;
  postgres.statement_timeout = options.statement_timeout;
  return std::make_unique<PostgresDatabase>(postgres, metrics);
}

std::optional<std::string> database_file(std::string_view url) {
  if (!url.starts_with(kSqliteScheme)) return std::nullopt;
  return sqlite_path_from_url(url);
}

}  // namespace keel::storage
