#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace keel {
class BlockingPool;
class Metrics;
}  // namespace keel

namespace keel::storage {

/// How durable a SQLite commit is (SQLITE_SYNCHRONOUS): `full` syncs the WAL on every commit,
/// so an acknowledged write survives power loss; `normal` syncs only at checkpoints (a crash
/// of keel loses nothing, a power cut can lose the last commits).
enum class SqliteSynchronous { kFull, kNormal };

/// The settings of open_database that are not in the URL.
struct DatabaseOptions {
  std::size_t pool_size = 16;  // PostgreSQL: at most this many connections, opened lazily
  // PostgreSQL: the server cancels a statement after this (keel's own wait is the backstop).
  std::chrono::milliseconds statement_timeout = std::chrono::seconds(30);
  SqliteSynchronous sqlite_synchronous = SqliteSynchronous::kFull;
};

/// Opens the database a DATABASE_URL names: `sqlite://<path>` (its statements run on `pool`)
/// or `postgresql://...`. Throws std::runtime_error when a SQLite file can't be opened,
/// std::invalid_argument for a bad URL.
std::unique_ptr<Database> open_database(std::string_view url, const DatabaseOptions& options, BlockingPool& pool,
                                        Metrics& metrics);

/// The file a DATABASE_URL's database lives in ("sqlite://./data/keel.db" -> "./data/keel.db"),
/// or nullopt for a database server.
std::optional<std::string> database_file(std::string_view url);

}  // namespace keel::storage
