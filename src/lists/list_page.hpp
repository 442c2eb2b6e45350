#pragma once

#include <cstdint>
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
  std::optional<std::int64_t> total;  // offset paging only
  std::optional<std::string> next_cursor;
};

/// Reads one page: the filtered, sorted rows after the cursor (or at the page's offset), and
/// in offset paging the total. Two statements in offset paging, one with a cursor.
/// Throws keel::Error from the database.
Task<Page> fetch_page(storage::Database& db, Source source, const ListQuery& q, const CursorCodec& cursors);

/// Appends `"meta":{...}` as API.md §6 shapes it.
void append_meta(std::string& out, const ListQuery& q, const Page& page);

}  // namespace keel::lists
