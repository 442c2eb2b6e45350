#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/database.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::lists {

/// How a column's values are typed in filters, sorts and cursors.
enum class Kind { kText, kInteger, kNumber, kBoolean, kDatetime, kUuid, kJson };

/// One column a list may filter, sort or select by its API name. The SQL names come only
/// from declarations (a resources file or keel's own tables), never from request text.
struct Column {
  std::string name;                 // API name, e.g. "dueAt"
  std::string sql;                  // SQL expression, e.g. "\"dueAt\"" or "created_at"
  Kind kind = Kind::kText;
  std::vector<std::string> values;  // allowed values of an enum; empty otherwise
  bool nullable = true;
  std::size_t row_index = 0;        // where a listed row holds it (for cursors)
};

/// The columns of one listed table; `id` is always one of them.
struct Catalog {
  std::string name;  // resource name, part of every cursor's scope
  std::vector<Column> columns;

  /// The column with this API name, or null.
  const Column* find(std::string_view api_name) const noexcept;
};

enum class Op { kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kContains, kStartsWith, kExists };

/// Every operator with its query-string name ("eq", ..., "startsWith", "exists").
const std::vector<std::pair<std::string_view, Op>>& operators();
/// Why `op` does not apply to the column (e.g. contains on a number), or empty when it does.
std::string operator_problem(const Column& c, Op op);

struct Filter {
  const Column* column;
  Op op;
  std::vector<storage::Value> values;  // one, or several for in/nin; exists: 1 or 0
};

/// Conditions combined: all must hold (`any` false), or at least one (`any` true). GraphQL's
/// `and`/`or` filters; REST's query parameters only ever make ListQuery::filters.
struct FilterGroup {
  bool any = false;
  std::vector<Filter> filters;
  std::vector<FilterGroup> groups;
};

/// A filter of `column` with operator `op` and its values as text (one, or several for in/nin;
/// "true"/"false" for exists), each typed by the rules REST's query parameters follow. nullopt,
/// with `why` saying what is wrong, when the operator does not apply or a value does not fit.
std::optional<Filter> make_filter(const Column& column, Op op, const std::vector<std::string_view>& texts,
                                  std::string& why);

struct SortKey {
  const Column* column;
  bool descending = false;
};

inline constexpr std::int64_t kDefaultLimit = 20;
inline constexpr std::int64_t kMaxLimit = 100;

/// A list request (API.md §6) checked against a catalog: every name is a declared column and
/// every value typed by it.
struct ListQuery {
  std::vector<Filter> filters;
  std::vector<FilterGroup> groups;  // each must hold too (GraphQL's and/or)
  std::vector<SortKey> sort;  // always ends with id, the tie-break
  std::int64_t limit = kDefaultLimit;
  std::int64_t page = 1;
  bool keyset = false;                      // a cursor was given: no totals
  bool total = true;                        // total=false: offset pages skip the count
  bool total_with_cursor = false;           // count with a cursor too (GraphQL's totalCount)
  std::vector<storage::Value> after;        // the cursor's sort position (keyset only)
  std::vector<std::string> fields;          // empty: every field
  std::vector<std::string> expand;          // ref fields to replace by their records
  std::string scope;                        // what a cursor of this query is bound to
};

/// Ends `q.sort` with the tie-break on id, in the direction of the last key (REST and GraphQL
/// order pages alike).
void add_tie_break(ListQuery& q, const Catalog& catalog);

/// One filter as a cursor scope signs it: `field[op]=value`, whichever way it was written
/// (`status=todo` is `status[eq]=todo`; an `in` list's values joined by commas).
std::string filter_signature(std::string_view field, Op op, std::string_view value);

/// What a list's cursors are bound to (REST's parameters and GraphQL's root lists alike, so a
/// cursor of one resumes the same query in the other): the catalog, the caller, the sort as REST
/// writes it (`-priority,title`, empty for the default) and each filter's filter_signature, in
/// any order.
std::string cursor_scope(const Catalog& catalog, std::string_view caller, std::string_view sort,
                         std::vector<std::string> filters);

/// Signs and checks cursors: opaque, tamper-evident, bound to one query and caller.
class CursorCodec {
 public:
  explicit CursorCodec(std::string key) : key_(std::move(key)) {}
  /// The cursor that resumes after `position` (the sort values of the last row).
  std::string encode(const std::string& scope, const std::vector<storage::Value>& position) const;
  /// The position a cursor encodes; throws Error::validation when it is tampered with, from
  /// another query or caller, or not one keel made.
  std::vector<storage::Value> decode(const std::string& scope, std::string_view cursor, std::size_t keys) const;

 private:
  std::string key_;
};

/// What a list route allows beyond filters and sort.
struct ListOptions {
  std::vector<std::string> expandable;  // names accepted by expand
  std::string caller;                   // the caller's id: cursors are not shared between callers
};

/// Parses a list request's query parameters; collects every problem into one
/// Error::validation (unknown field or operator, badly typed value, a name or value that is
/// not UTF-8 or holds U+0000, bad limit/page/cursor/total).
ListQuery parse_list_query(const std::vector<std::pair<std::string, std::string>>& params, const Catalog& catalog,
                           const CursorCodec& cursors, const ListOptions& options);

/// SQL fragments built from a ListQuery in the database's dialect; values are appended to
/// `params` as `$n`.
class ListSql {
 public:
  ListSql(const storage::SqlDialect& dialect, storage::Params& params) : dialect_(dialect), params_(params) {}

  /// "a AND b ..." for the filters (empty when there are none).
  std::string filters(const ListQuery& q);
  /// The keyset condition: rows strictly after q.after in q.sort order.
  std::string after(const ListQuery& q);
  /// "col1 DESC, ..., id" with NULLs sorting as the smallest value in both dialects.
  std::string order_by(const ListQuery& q) const;
  /// Adds one parameter and returns its placeholder.
  std::string param(storage::Value v);

 private:
  std::string condition(const Filter& f);
  std::string group(const FilterGroup& g);
  std::string comparable(const Column& c) const;

  const storage::SqlDialect& dialect_;
  storage::Params& params_;
};

/// Joins non-empty SQL conditions with AND; "1 = 1" when all are empty.
std::string where_all(std::initializer_list<std::string> conditions);

}  // namespace keel::lists
