#include "lists/list_shape.hpp"

#include <algorithm>

namespace keel::lists {
namespace {

// "-priority,-id", as the sort parameter writes it.
void append_order(std::string& out, const std::vector<OrderedColumn>& order) {
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i > 0) out += ',';
    if (order[i].descending) out += '-';
    out += order[i].name;
  }
}

}  // namespace

std::string Shape::key() const {
  std::string out;
  for (std::size_t i = 0; i < equal.size(); ++i) {
    if (i > 0) out += ',';
    out += equal[i];
  }
  out += '|';
  append_order(out, order);
  return out;
}

std::string Shape::describe() const {
  std::string out;
  if (!equal.empty()) {
    out = "filtered by ";
    for (std::size_t i = 0; i < equal.size(); ++i) {
      if (i > 0) out += ", ";
      out += equal[i];
    }
    out += ", ";
  }
  out += "sorted by ";
  append_order(out, order);
  return out;
}

Shape shape_of(const ListQuery& q, const std::vector<std::string>& scope_equal) {
  Shape s;
  s.equal = scope_equal;
  for (const Filter& f : q.filters) {
    if (f.op == Op::kEq) s.equal.push_back(f.column->name);
  }
  std::sort(s.equal.begin(), s.equal.end());
  s.equal.erase(std::unique(s.equal.begin(), s.equal.end()), s.equal.end());
  for (const SortKey& k : q.sort) {
    // A key every matching row has the same value of orders nothing.
    const bool constant = std::binary_search(s.equal.begin(), s.equal.end(), k.column->name);
    if (!constant || k.column->name == "id") s.order.push_back({k.column->name, k.descending});
  }
  return s;
}

bool serves(const IndexColumns& index, const Shape& shape) {
  const auto& cols = index.columns;
  auto pinned = [&](const OrderedColumn& c) {
    return std::binary_search(shape.equal.begin(), shape.equal.end(), c.name);
  };
  // A unique index whose every column is pinned matches one row at most: nothing to sort.
  if (index.unique && !cols.empty() && std::all_of(cols.begin(), cols.end(), pinned)) return true;

  const std::size_t n = shape.equal.size();
  if (cols.size() < n + shape.order.size()) return false;
  if (!std::all_of(cols.begin(), cols.begin() + static_cast<std::ptrdiff_t>(n), pinned)) return false;
  // The pinned prefix holds n distinct columns (an index names a column once), so it is the set.
  bool reversed = false;
  for (std::size_t i = 0; i < shape.order.size(); ++i) {
    const OrderedColumn& have = cols[n + i];
    const OrderedColumn& want = shape.order[i];
    if (have.name != want.name) return false;
    const bool flipped = have.descending != want.descending;
    if (i == 0) reversed = flipped;
    else if (flipped != reversed) return false;  // one scan goes one way through every column
  }
  return true;
}

IndexColumns index_for(const Shape& shape) {
  IndexColumns out;
  for (const auto& e : shape.equal) out.columns.push_back({e, false});
  const bool flip = !shape.order.empty() && shape.order.front().descending;
  for (const auto& o : shape.order) out.columns.push_back({o.name, o.descending != flip});
  return out;
}

}  // namespace keel::lists
