#include "storage/open_database.hpp"

#include "storage/postgres/postgres_database.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace keel::storage {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";

}  // namespace

std::unique_ptr<Database> open_database(std::string_view url, std::size_t pool_size, BlockingPool& pool,
                                        Metrics& metrics, std::chrono::milliseconds statement_timeout) {
  if (url.starts_with(kSqliteScheme)) {
    SqliteOptions options;
    options.path = sqlite_path_from_url(url);
    return std::make_unique<SqliteDatabase>(options, pool, metrics);
  }
  PostgresOptions options;
  options.url = std::string(url);
  options.pool_size = pool_size;
  options.statement_timeout = statement_timeout;
  return std::make_unique<PostgresDatabase>(options, metrics);
}

std::optional<std::string> database_file(std::string_view url) {
  if (!url.starts_with(kSqliteScheme)) return std::nullopt;
  return sqlite_path_from_url(url);
}

}  // namespace keel::storage
