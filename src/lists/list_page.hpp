#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "lists/list_query.hpp"
#include "storage/database.hpp"

namespace keel::lists {

/// What a list reads from: a table, its select list, and the rows the caller may see
/// (`where`, e.g. the owner rule, with `$1..$n` bound to `params`; empty for all rows).
struct Source {
  std::string from;
  std::string select;
  std::string where;
  storage::Params params;
};

/// One page of a list.
struct Page {
  std::vector<std::vector<storage::Value>> rows;
  std::optional<std::int64_t> total;  // offset paging without total=false only
  std::optional<std::string> next_cursor;
  std::chrono::nanoseconds rows_time{0};  // how long the database took to read the rows
};

/// One SQL statement with its parameters.
struct Statement {
  std::string text;
  storage::Params params;
};

/// The statement that reads a page: `limit + 1` rows (the extra one says whether another page
/// follows), filtered, sorted, after the cursor or at the page's offset.
Statement page_statement(const storage::SqlDialect& dialect, const Source& source, const ListQuery& q);
/// The statement that counts the filtered rows (offset paging's total).
Statement count_statement(const storage::SqlDialect& dialect, const Source& source, const ListQuery& q);

class CountCache;

/// Reads one page: the filtered, sorted rows after the cursor (or at the page's offset), and
/// in offset paging the total: from `totals` when given (counted only when the data moved since
/// the last count of the same query), else counted each time. One statement with a cursor or
/// total=false.
/// Throws keel::Error from the database.
Task<Page> fetch_page(storage::Database& db, Source source, const ListQuery& q, const CursorCodec& cursors,
                      CountCache* totals = nullptr);

/// Appends `"meta":{...}` as API.md §6 shapes it.
void append_meta(std::string& out, const ListQuery& q, const Page& page);

/// The body of a list answer (API.md §6): `{"data":[...],"meta":{...}}`, where
/// `append_item(out, i)` appends the JSON of item i of `count`.
std::string render_list(std::size_t count, const ListQuery& q, const Page& page,
                        const std::function<void(std::string&, std::size_t)>& append_item);

}  // namespace keel::lists
