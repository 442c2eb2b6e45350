#pragma once

#include "storage/sql_dialect.hpp"

namespace keel::storage {

/// SQLite's SQL: timestamps and uuids are stored as text already, booleans as 0/1, text
/// compares bytewise and NULL sorts first by default.
const SqlDialect& sqlite_dialect() noexcept;

}  // namespace keel::storage
