#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace keel::storage {

/// Which database a Database is. Only storage looks at it (to pick a migration's statements);
/// features ask the SqlDialect instead.
enum class Backend { kSqlite, kPostgres };

/// The stored types of keel's columns.
enum class ColumnType { kText, kInteger, kNumber, kBoolean, kTimestamp, kJson, kUuid };

/// What differs between the SQL of SQLite and of PostgreSQL, as fragments the stores compose.
/// A fragment a dialect does not need is empty, so the SQL built around it reads as if it had
/// been written for that dialect alone. Placeholders are `$1..$n` in both, and every value is
/// still bound, never spliced. Stateless; Database::dialect() hands out the one of its backend.
class SqlDialect {
 public:
  virtual ~SqlDialect() = default;

  virtual Backend backend() const noexcept = 0;

  /// A timestamp column as the API shows it: RFC 3339 UTC text with milliseconds.
  virtual std::string timestamp_text(std::string_view column) const = 0;
  /// A uuid column as text. Not for select lists a list sorts by: output names win in ORDER BY,
  /// and PostgreSQL's index on the uuid does not serve an order of its text.
  virtual std::string uuid_text(std::string_view column) const = 0;
  /// A boolean as a bound value of a boolean column.
  virtual Value bool_value(bool b) const = 0;

  /// Appended to a SELECT of rows the transaction is about to write: they stay locked until it
  /// ends (empty on SQLite, whose writer transaction already excludes other writers).
  virtual std::string_view for_update() const noexcept = 0;
  /// Appended to a SELECT of rows the transaction relies on (a referenced record): they can't
  /// go away until it ends.
  virtual std::string_view for_share() const noexcept = 0;

  /// Appended to a text expression so it compares and sorts bytewise, like SQLite's BINARY.
  virtual std::string_view text_collation() const noexcept = 0;
  /// `a` differs from `b`, NULL counting as a value like any other.
  virtual std::string distinct_from(std::string_view a, std::string_view b) const = 0;
  /// `text` matches the LIKE `pattern` (escaped by like_escaped), ignoring case.
  virtual std::string like_ignoring_case(std::string_view text, std::string_view pattern) const = 0;
  /// Appended to an ascending sort or index key so NULL comes first (SQLite's default).
  virtual std::string_view nulls_first() const noexcept = 0;
  /// Appended to a descending sort key so NULL comes last (SQLite's default).
  virtual std::string_view nulls_last() const noexcept = 0;

  /// The column type that stores `type`.
  virtual std::string_view column_type(ColumnType type) const noexcept = 0;
  /// Whether ALTER TABLE adds and drops foreign keys and drops columns that carry one or an
  /// index (PostgreSQL). Without it (SQLite) a reference is declared in its column and such
  /// changes rebuild the table, with foreign keys off for the span.
  virtual bool alters_constraints() const noexcept = 0;
  /// The statement dropping a table (already quoted), and whatever constraints refer to it.
  virtual std::string drop_table(std::string_view table) const = 0;
  /// The statement that makes migrating processes take turns, held until the transaction ends;
  /// empty when the database's single writer already does.
  virtual std::string_view migration_lock() const noexcept = 0;
  /// Whether the database runs one writing transaction at a time (SQLite's single writer), so
  /// rows numbered as they are inserted are numbered in commit order. PostgreSQL commits
  /// concurrent transactions in any order: a number taken at insert is not commit order there.
  virtual bool serialises_writers() const noexcept = 0;
  /// Whether only one keel instance serves the database (an embedded file: SQLite), so one
  /// process sees every write; where several may (PostgreSQL), a cache in one process can't.
  virtual bool one_instance() const noexcept = 0;
  /// A statement that makes transactions passing the same `key` take turns, held until the
  /// transaction ends; empty when serialises_writers() already makes every writer wait.
  virtual std::string transaction_lock(std::int64_t key) const = 0;
  /// Statements, outside a transaction, that switch foreign key enforcement off and on again
  /// around a table rebuild; empty when the dialect never rebuilds tables.
  virtual std::string_view foreign_keys_off() const noexcept = 0;
  virtual std::string_view foreign_keys_on() const noexcept = 0;
  /// A query with one row per broken reference, run before a rebuild commits; empty as above.
  virtual std::string_view foreign_key_check() const noexcept = 0;
  /// The word that makes CREATE INDEX leave writers running while it builds ("CONCURRENTLY ",
  /// outside a transaction), or empty where a build holds the write lock anyway (SQLite).
  virtual std::string_view build_index_online() const noexcept = 0;
  /// A query of the names of a table's indexes, the table's (unquoted) name bound to $1.
  virtual std::string_view index_names() const noexcept = 0;
  /// A query with a row when the index named by $1 (quoted) exists but can't be used (a
  /// CONCURRENTLY build cut short); empty where a failed build leaves nothing (SQLite).
  virtual std::string_view unusable_index() const noexcept = 0;
};

/// `text` for a LIKE pattern in which '%', '_' and '\' mean themselves: each escaped with the
/// '\' that like_ignoring_case declares as its ESCAPE character.
std::string like_escaped(std::string_view text);

}  // namespace keel::storage
