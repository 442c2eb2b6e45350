#include "storage/postgres/postgres_dialect.hpp"

namespace keel::storage {
namespace {

class PostgresDialect final : public SqlDialect {
 public:
  Backend backend() const noexcept override { return Backend::kPostgres; }

  std::string timestamp_text(std::string_view column) const override {
    return "to_char(" + std::string(column) + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
  }
  std::string uuid_text(std::string_view column) const override { return std::string(column) + "::text"; }
  // Values travel as text parameters: the server reads this one as the boolean literal.
  Value bool_value(bool b) const override { return std::string(b ? "true" : "false"); }

  std::string_view for_update() const noexcept override { return " FOR UPDATE"; }
  std::string_view for_share() const noexcept override { return " FOR SHARE"; }

  std::string_view text_collation() const noexcept override { return " COLLATE \"C\""; }
  std::string distinct_from(std::string_view a, std::string_view b) const override {
    return std::string(a) + " IS DISTINCT FROM " + std::string(b);
  }
  // ILIKE ignores case in every script, not only ASCII.
  std::string like_ignoring_case(std::string_view text, std::string_view pattern) const override {
    return std::string(text) + " ILIKE " + std::string(pattern) + " ESCAPE '\\'";
  }
  // PostgreSQL takes NULL as the largest value: last ascending, first descending.
  std::string_view nulls_first() const noexcept override { return " NULLS FIRST"; }
  std::string_view nulls_last() const noexcept override { return " NULLS LAST"; }

  std::string_view column_type(ColumnType type) const noexcept override {
    switch (type) {
      case ColumnType::kInteger: return "bigint";
      case ColumnType::kNumber: return "double precision";
      case ColumnType::kBoolean: return "boolean";
      case ColumnType::kTimestamp: return "timestamptz";
      case ColumnType::kJson: return "jsonb";
      case ColumnType::kUuid: return "uuid";
      case ColumnType::kText: return "text COLLATE \"C\"";  // bytewise, as on SQLite
    }
    return "text COLLATE \"C\"";
  }
  bool alters_constraints() const noexcept override { return true; }
  std::string drop_table(std::string_view table) const override {
    return "DROP TABLE " + std::string(table) + " CASCADE";
  }
  // One lock for every keel process migrating the same database (core migrations and
  // resource changes alike): instances that start together apply each change exactly once.
  std::string_view migration_lock() const noexcept override { return "SELECT pg_advisory_xact_lock(74350001)"; }
  bool serialises_writers() const noexcept override { return false; }
  bool one_instance() const noexcept override { return false; }
  // Transaction-scoped: released by COMMIT or ROLLBACK, never left behind by a dropped connection.
  std::string transaction_lock(std::int64_t key) const override {
    return "SELECT pg_advisory_xact_lock(" + std::to_string(key) + ")";
  }
  // Constraints are altered in place: tables are never rebuilt, foreign keys never switched off.
  std::string_view foreign_keys_off() const noexcept override { return ""; }
  std::string_view foreign_keys_on() const noexcept override { return ""; }
  std::string_view foreign_key_check() const noexcept override { return ""; }
  std::string_view build_index_online() const noexcept override { return "CONCURRENTLY "; }
  std::string_view index_names() const noexcept override {
    return "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1";
  }
  std::string_view unusable_index() const noexcept override {
    return "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) AND NOT indisvalid";
  }
};

}  // namespace

const SqlDialect& postgres_dialect() noexcept {
  static const PostgresDialect kDialect;
  return kDialect;
}

}  // namespace keel::storage
