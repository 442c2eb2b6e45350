#pragma once

#include <string_view>

#include <boost/json/object.hpp>

#include "graphql/schema.hpp"
#include "lists/list_query.hpp"

// A connection field's arguments (filter, sort, first, after: API.md §13) as the list engine's
// query, checked by the rules REST's query parameters follow (API.md §6): the same operators per
// type, the same value rules, the same limits.

namespace keel::graphql {

/// How deep `and`/`or` may nest in one filter.
inline constexpr int kMaxFilterNesting = 10;

/// The ListQuery of a connection field `field` over `catalog`, from its coerced arguments:
/// `first` 1–100, `sort` values mapped to their columns (id breaks ties), `filter` fields and
/// operators typed per column (`and` all, `or` any), `after` a cursor of the same query and
/// caller. `scope` is empty for a root list (`Query.tasks`): its cursors are REST's for the same
/// query (lists::cursor_scope) unless its filter uses and/or; else it names the place the
/// catalog is listed from (`Project.tasks`), and cursors are GraphQL's own.
/// Totals are counted when `total` (the selection asks for totalCount), with a cursor too.
/// Throws Error::validation with every problem in `details`, keyed by argument path
/// (`filter.priority.gt`, `first`, `after`).
lists::ListQuery list_query(const Schema& schema, const FieldDef& field, const boost::json::object& arguments,
                            const lists::Catalog& catalog, const lists::CursorCodec& cursors, std::string_view caller,
                            std::string_view scope, bool total);

}  // namespace keel::graphql
