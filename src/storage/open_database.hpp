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

/// Opens the database a DATABASE_URL names: `sqlite://<path>` (its statements run on `pool`)
/// or `postgresql://...` (at most `pool_size` connections, opened lazily; the server cancels a
/// statement after `statement_timeout`). Throws std::runtime_error when a SQLite file can't be
/// opened, std::invalid_argument for a bad URL.
std::unique_ptr<Database> open_database(std::string_view url, std::size_t pool_size, BlockingPool& pool,
                                        Metrics& metrics,
                                        std::chrono::milliseconds statement_timeout = std::chrono::seconds(30));

/// The file a DATABASE_URL's database lives in ("sqlite://./data/keel.db" -> "./data/keel.db"),
/// or nullopt for a database server.
std::optional<std::string> database_file(std::string_view url);

}  // namespace keel::storage
