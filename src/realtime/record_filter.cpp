#include "realtime/record_filter.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace keel::realtime {
namespace {

using lists::Op;

// -1, 0, 1 for a field's value against a filter value of the same kind; nullopt when they
// can't be compared (a type the declarations rule out).
std::optional<int> compare(const boost::json::value& field, const storage::Value& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (!field.is_string()) return std::nullopt;
    const std::string_view f = field.get_string();
    const int c = f.compare(*text);
    return (c > 0) - (c < 0);
  }
  double f = 0;
  if (field.is_int64()) {
    f = static_cast<double>(field.get_int64());
  } else if (field.is_uint64()) {
    f = static_cast<double>(field.get_uint64());
  } else if (field.is_double()) {
    f = field.get_double();
  } else if (field.is_bool()) {
    f = field.get_bool() ? 1 : 0;
  } else {
    return std::nullopt;
  }
  double v = 0;
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    v = static_cast<double>(*i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    v = *d;
  } else {
    return std::nullopt;
  }
  return (f > v) - (f < v);
}

// The text a contains/startsWith pattern stands for ("%a\%b%" -> "a%b"): the list parser
// escapes the user's text for LIKE.
std::string unescape(std::string_view pattern, bool contains) {
  if (contains && !pattern.empty()) pattern.remove_prefix(1);
  if (!pattern.empty()) pattern.remove_suffix(1);
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) ++i;
    out += pattern[i];
  }
  return out;
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool like(std::string_view text, const std::string& needle, bool contains) {
  const auto equal = [](char a, char b) { return lower(a) == lower(b); };
  if (!contains) return text.size() >= needle.size() && std::equal(needle.begin(), needle.end(), text.begin(), equal);
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(), equal) != text.end();
}

bool passes(const lists::Filter& f, const boost::json::object& record) {
  const boost::json::value* field = record.if_contains(f.column->name);
  const bool null = !field || field->is_null();
  if (f.op == Op::kExists) return std::get<std::int64_t>(f.values[0]) ? !null : null;
  if (null) return f.op == Op::kNe || f.op == Op::kNin;
  switch (f.op) {
    case Op::kEq:
    case Op::kNe: {
      const auto c = compare(*field, f.values[0]);
      return (c && *c == 0) == (f.op == Op::kEq);
    }
    case Op::kGt:
    case Op::kGte:
    case Op::kLt:
    case Op::kLte: {
      const auto c = compare(*field, f.values[0]);
      if (!c) return false;
      if (f.op == Op::kGt) return *c > 0;
      if (f.op == Op::kGte) return *c >= 0;
      if (f.op == Op::kLt) return *c < 0;
      return *c <= 0;
    }
    case Op::kIn:
    case Op::kNin: {
      const bool found = std::any_of(f.values.begin(), f.values.end(), [&](const storage::Value& v) {
        const auto c = compare(*field, v);
        return c && *c == 0;
      });
      return found == (f.op == Op::kIn);
    }
    case Op::kContains:
    case Op::kStartsWith: {
      if (!field->is_string()) return false;
      const bool contains = f.op == Op::kContains;
      return like(field->get_string(), unescape(std::get<std::string>(f.values[0]), contains), contains);
    }
    case Op::kExists: break;
  }
  return false;
}

}  // namespace

bool matches(const std::vector<lists::Filter>& filters, const boost::json::object& record) {
  return std::all_of(filters.begin(), filters.end(), [&](const lists::Filter& f) { return passes(f, record); });
}

}  // namespace keel::realtime
