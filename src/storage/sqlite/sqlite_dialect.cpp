#include "storage/sqlite/sqlite_dialect.hpp"

namespace keel::storage {
namespace {

class SqliteDialect final : public SqlDialect {
 public:
  Backend backend() const noexcept override { return Backend::kSqlite; }

  // Stored as RFC 3339 UTC text with milliseconds already (core/ids.hpp now_timestamp).
  std::string timestamp_text(std::string_view column) const override { return std::string(column); }
  std::string uuid_text(std::string_view column) const override { return std::string(column); }
  Value bool_value(bool b) const override { return std::int64_t{b}; }

  // One writer at a time: a write transaction excludes every other writer already.
  std::string_view for_update() const noexcept override { return ""; }
  std::string_view for_share() const noexcept override { return ""; }

  // BINARY, the default collation, compares bytewise.
  std::string_view text_collation() const noexcept override { return ""; }
  std::string distinct_from(std::string_view a, std::string_view b) const override {
    return std::string(a) + " IS NOT " + std::string(b);
  }
  // SQLite's LIKE ignores ASCII case (only).
  std::string like_ignoring_case(std::string_view text, std::string_view pattern) const override {
    return std::string(text) + " LIKE " + std::string(pattern) + " ESCAPE '\\'";
  }
  // NULL is the smallest value already: first ascending, last descending.
  std::string_view nulls_first() const noexcept override { return ""; }
  std::string_view nulls_last() const noexcept override { return ""; }

  std::string_view column_type(ColumnType type) const noexcept override {
    switch (type) {
      case ColumnType::kInteger: return "INTEGER";
      case ColumnType::kNumber: return "REAL";
      case ColumnType::kBoolean: return "INTEGER";
      case ColumnType::kText:
      case ColumnType::kTimestamp:
      case ColumnType::kJson:
      case ColumnType::kUuid: return "TEXT";
    }
    return "TEXT";
  }
  // SQLite can't drop or alter a column that carries a reference or an index, nor add a
  // foreign key to a table: those changes rebuild the table.
  bool alters_constraints() const noexcept override { return false; }
  std::string drop_table(std::string_view table) const override { return "DROP TABLE " + std::string(table); }
  std::string_view migration_lock() const noexcept override { return ""; }
  // One writer connection, and every write transaction starts with BEGIN IMMEDIATE: writers
  // already take turns, and commit in the order they wrote.
  bool serialises_writers() const noexcept override { return true; }
  bool one_instance() const noexcept override { return true; }
  std::string transaction_lock(std::int64_t) const override { return ""; }
  // Only honoured outside a transaction.
  std::string_view foreign_keys_off() const noexcept override { return "PRAGMA foreign_keys = OFF"; }
  std::string_view foreign_keys_on() const noexcept override { return "PRAGMA foreign_keys = ON"; }
  std::string_view foreign_key_check() const noexcept override { return "PRAGMA foreign_key_check"; }
  std::string_view build_index_online() const noexcept override { return ""; }
  std::string_view index_names() const noexcept override {
    return "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1";
  }
  std::string_view unusable_index() const noexcept override {
    return "";
  }
};

}  // namespace

const SqlDialect& sqlite_dialect() noexcept {
  static const SqliteDialect kDialect;
  return kDialect;
}

}  // namespace keel::storage
