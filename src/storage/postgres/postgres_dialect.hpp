#pragma once

#include "storage/sql_dialect.hpp"

namespace keel::storage {

/// PostgreSQL's SQL: timestamptz formatted back to RFC 3339, uuid, jsonb and boolean columns,
/// text compared under the "C" collation, row locks, and NULL placed where SQLite puts it.
const SqlDialect& postgres_dialect() noexcept;

}  // namespace keel::storage
