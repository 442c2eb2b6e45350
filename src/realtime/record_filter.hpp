#pragma once

#include <vector>

#include <boost/json/fwd.hpp>

#include "lists/list_query.hpp"

namespace keel::realtime {

/// Whether `record` (a record's JSON as GET shows it) passes every filter, as the list query's
/// SQL would on its row (API.md §6): NULL matches only `ne`, `nin` and `exists=false`; text
/// compares bytewise; `contains` and `startsWith` ignore ASCII case (as SQLite's LIKE).
bool matches(const std::vector<lists::Filter>& filters, const boost::json::object& record);

}  // namespace keel::realtime
