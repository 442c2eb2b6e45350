#pragma once

#include <string>
#include <vector>

#include "lists/list_query.hpp"

namespace keel::lists {

/// One column of an index or of a list's order, by API name.
struct OrderedColumn {
  std::string name;
  bool descending = false;
  bool operator==(const OrderedColumn&) const = default;
};

/// What an index needs so that a list's page is read straight off it, in order, stopping after
/// `limit` rows: the columns the list matches by equality (in any order), then its sort keys.
/// Other filters (ranges, contains...) are checked on the rows the index walk reaches.
struct Shape {
  std::vector<std::string> equal;    // sorted, each once; includes the caller's scope (ownerId)
  std::vector<OrderedColumn> order;  // the sort keys without the constant ones; ends with id

  /// A stable text of the shape, e.g. "ownerId,status|-priority,-id".
  std::string key() const;
  /// For logs: "filtered by status, sorted by -priority".
  std::string describe() const;
};

/// The shape of `q`, with `scope_equal` the columns the caller's scope pins (e.g. "ownerId").
Shape shape_of(const ListQuery& q, const std::vector<std::string>& scope_equal);

/// An index: its columns in order, each ascending unless said, and whether it is unique.
struct IndexColumns {
  std::vector<OrderedColumn> columns;
  bool unique = false;
};

/// Whether reading `index` (forwards or backwards) gives the rows matching the shape's equality
/// columns in the shape's order, so no sort of the matches is needed.
bool serves(const IndexColumns& index, const Shape& shape);

/// The index that serves `shape`: its equality columns, then its order, directions normalised
/// so that the first sort key is ascending (a backward scan serves the reverse order).
IndexColumns index_for(const Shape& shape);

}  // namespace keel::lists
