#include "lists/list_query.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/text_rules.hpp"

namespace keel::lists {
namespace {

// The most values one in/nin filter takes: enough for real use, bounded for the database.
constexpr std::size_t kMaxInValues = 100;


// One filter value typed by its column; std::nullopt with `why` set when it does not fit.
std::optional<storage::Value> typed(const Column& c, std::string_view text, std::string& why) {
  switch (c.kind) {
    case Kind::kInteger: {
      std::int64_t v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        why = "must be a whole number";
        return std::nullopt;
      }
      return v;
    }
    case Kind::kNumber: {
      double v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v)) {
        why = "must be a number";
        return std::nullopt;
      }
      return v;
    }
    case Kind::kBoolean:
      if (text == "true") return std::int64_t{1};
      if (text == "false") return std::int64_t{0};
      why = "must be true or false";
      return std::nullopt;
    case Kind::kDatetime:
      if (auto t = normalise_timestamp(text)) return std::move(*t);
      why = "must be an RFC 3339 date-time, e.g. 2026-11-24T03:55:23.123Z";
      return std::nullopt;
    case Kind::kUuid:
      if (is_uuid(text)) return std::string(text);
      why = "must be a lowercase UUID";
      return std::nullopt;
    case Kind::kJson: why = "json fields can only be filtered with exists"; return std::nullopt;
    case Kind::kText:
      if (!c.values.empty() && std::find(c.values.begin(), c.values.end(), text) == c.values.end()) {
        std::string all;
        for (const auto& v : c.values) all += (all.empty() ? "" : ", ") + v;
        why = "must be one of: " + all;
        return std::nullopt;
      }
      return std::string(text);
  }
  return std::nullopt;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

bool parse_int(std::string_view text, std::int64_t min, std::int64_t max, std::int64_t& out) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || v < min || v > max) return false;
  out = v;
  return true;
}

boost::json::value to_json(const storage::Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) return boost::json::value(*s);
  return nullptr;
}

}  // namespace

const std::vector<std::pair<std::string_view, Op>>& operators() {
  static const std::vector<std::pair<std::string_view, Op>> kOps = {
      {"eq", Op::kEq},   {"ne", Op::kNe},   {"gt", Op::kGt},   {"gte", Op::kGte},
      {"lt", Op::kLt},   {"lte", Op::kLte}, {"in", Op::kIn},   {"nin", Op::kNin},
      {"contains", Op::kContains},          {"startsWith", Op::kStartsWith}, {"exists", Op::kExists}};
  return kOps;
}

std::string operator_problem(const Column& c, Op op) {
  if (op == Op::kExists) return {};
  if (c.kind == Kind::kJson) return "json fields can only be filtered with exists";
  if ((op == Op::kContains || op == Op::kStartsWith) && c.kind != Kind::kText) {
    return "contains and startsWith are for text fields";
  }
  if ((op == Op::kGt || op == Op::kGte || op == Op::kLt || op == Op::kLte) && c.kind == Kind::kBoolean) {
    return "booleans can't be compared with gt/gte/lt/lte";
  }
  return {};
}

const Column* Catalog::find(std::string_view api_name) const noexcept {
  for (const auto& c : columns) {
    if (c.name == api_name) return &c;
  }
  return nullptr;
}

std::string CursorCodec::encode(const std::string& scope, const std::vector<storage::Value>& position) const {
  boost::json::array values;
  for (const auto& v : position) values.push_back(to_json(v));
  const std::string payload = boost::json::serialize(values);
  // The scope is signed, not stored: a cursor only verifies under the query that made it.
  const std::string mac = hmac_sha256(key_, scope + '\n' + payload).substr(0, 16);
  return base64url_encode(payload) + "." + base64url_encode(mac);
}

std::vector<storage::Value> CursorCodec::decode(const std::string& scope, std::string_view cursor,
                                                std::size_t keys) const {
  auto invalid = [] {
    return Error::validation({{"cursor", "is not a cursor of this list query (use nextCursor as given)"}});
  };
  const auto dot = cursor.find('.');
  if (dot == std::string_view::npos || cursor.size() > 4096) throw invalid();
  const auto payload = base64url_decode(cursor.substr(0, dot));
  const auto mac = base64url_decode(cursor.substr(dot + 1));
  if (!payload || !mac) throw invalid();
  if (!constant_time_equal(*mac, hmac_sha256(key_, scope + '\n' + *payload).substr(0, 16))) throw invalid();
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(*payload, ec);
  if (ec || !parsed.is_array() || parsed.as_array().size() != keys) throw invalid();
  std::vector<storage::Value> out;
  for (const auto& v : parsed.as_array()) {
    if (v.is_int64()) out.emplace_back(v.as_int64());
    else if (v.is_double()) out.emplace_back(v.as_double());
    else if (v.is_string()) out.emplace_back(std::string(v.as_string()));
    else if (v.is_null()) out.emplace_back(nullptr);
    else throw invalid();
  }
  return out;
}

std::optional<Filter> make_filter(const Column& column, Op op, const std::vector<std::string_view>& texts,
                                  std::string& why) {
  why = operator_problem(column, op);
  if (!why.empty()) return std::nullopt;
  Filter f{&column, op, {}};
  if (op == Op::kExists) {
    if (texts.size() != 1 || (texts[0] != "true" && texts[0] != "false")) {
      why = "must be true or false";
      return std::nullopt;
    }
    f.values.emplace_back(std::int64_t{texts[0] == "true"});
  } else if (op == Op::kIn || op == Op::kNin) {
    if (texts.size() > kMaxInValues) {
      why = "takes at most 100 values";
      return std::nullopt;
    }
    for (auto text : texts) {
      auto v = typed(column, text, why);
      if (!v) return std::nullopt;
      f.values.push_back(std::move(*v));
    }
  } else if (texts.size() != 1) {
    why = "takes one value";
    return std::nullopt;
  } else if (op == Op::kContains || op == Op::kStartsWith) {
    // '%' and '_' mean themselves in contains/startsWith.
    const std::string escaped = storage::like_escaped(texts[0]);
    f.values.emplace_back(op == Op::kContains ? "%" + escaped + "%" : escaped + "%");
  } else {
    auto v = typed(column, texts[0], why);
    if (!v) return std::nullopt;
    f.values.push_back(std::move(*v));
  }
  return f;
}

std::string filter_signature(std::string_view field, Op op, std::string_view value) {
  std::string out(field);
  out += '[';
  for (const auto& [name, o] : operators()) {
    if (o == op) out += name;
  }
  out += "]=";
  out += value;
  return out;
}

std::string cursor_scope(const Catalog& catalog, std::string_view caller, std::string_view sort,
                         std::vector<std::string> filters) {
  std::sort(filters.begin(), filters.end());
  std::string scope = catalog.name;
  scope += '\n';
  scope += caller;
  scope += '\n';
  scope += sort;
  scope += '\n';
  for (const auto& f : filters) {
    scope += f;
    scope += '\n';
  }
  return scope;
}

// Ties go by id in the direction of the last key, so that one index ending in id serves the
// whole order in a single scan (sort=-priority: priority DESC, id DESC).
void add_tie_break(ListQuery& q, const Catalog& catalog) {
  if (std::any_of(q.sort.begin(), q.sort.end(), [](const SortKey& k) { return k.column->name == "id"; })) return;
  const bool descending = !q.sort.empty() && q.sort.back().descending;
  q.sort.push_back({catalog.find("id"), descending});
}

ListQuery parse_list_query(const std::vector<std::pair<std::string, std::string>>& params, const Catalog& catalog,
                           const CursorCodec& cursors, const ListOptions& options) {
  ListQuery q;
  ErrorDetails details;
  std::optional<std::string_view> cursor, page, sort;
  // The filters in a canonical order, signed into cursors so one can't resume another query.
  std::vector<std::string> signature;
  std::vector<std::string_view> seen;
  for (const auto& [key, value] : params) {
    // Percent-decoding can produce any bytes. PostgreSQL refuses text that is not UTF-8 and
    // libpq would cut a value at a NUL, so neither ever reaches a statement (API.md §6).
    if (!valid_utf8(key) || key.find('\0') != std::string::npos) {
      details["query"] = "has a parameter name that is not valid UTF-8 or contains U+0000";
      continue;
    }
    if (!valid_utf8(value)) {
      details[key] = "is not valid UTF-8";
      continue;
    }
    if (value.find('\0') != std::string::npos) {
      details[key] = "must not contain U+0000";
      continue;
    }
    static constexpr std::string_view kSingle[] = {"limit", "page", "cursor", "sort", "fields", "expand", "total"};
    if (std::find(std::begin(kSingle), std::end(kSingle), key) != std::end(kSingle)) {
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        details[key] = "is given more than once";
        continue;
      }
      seen.push_back(key);
    }
    if (key == "limit") {
      if (!parse_int(value, 1, kMaxLimit, q.limit)) details["limit"] = "must be a whole number from 1 to 100";
      continue;
    }
    if (key == "page") {
      page = value;
      if (!parse_int(value, 1, 10'000'000, q.page)) details["page"] = "must be a whole number from 1";
      continue;
    }
    if (key == "cursor") {
      cursor = value;
      continue;
    }
    if (key == "total") {
      if (value == "true") q.total = true;
      else if (value == "false") q.total = false;
      else details["total"] = "must be true or false";
      continue;
    }
    if (key == "sort") {
      sort = value;
      continue;
    }
    if (key == "fields") {
      for (auto name : split(value, ',')) {
        if (!catalog.find(name)) details["fields"] = fmt::format("'{}' is not a field", name);
        else if (std::find(q.fields.begin(), q.fields.end(), name) == q.fields.end()) q.fields.emplace_back(name);
      }
      continue;
    }
    if (key == "expand") {
      for (auto name : split(value, ',')) {
        if (std::find(options.expandable.begin(), options.expandable.end(), name) == options.expandable.end()) {
          details["expand"] = fmt::format("'{}' is not a ref field", name);
        } else if (std::find(q.expand.begin(), q.expand.end(), name) == q.expand.end()) {
          q.expand.emplace_back(name);
        }
      }
      continue;
    }

    // field=value or field[op]=value
    std::string_view name = key;
    Op op = Op::kEq;
    if (const auto open = name.find('['); open != std::string_view::npos) {
      if (!name.ends_with(']')) {
        details[key] = "is not a filter (use field=value or field[op]=value)";
        continue;
      }
      const std::string_view op_name = name.substr(open + 1, name.size() - open - 2);
      name = name.substr(0, open);
      const auto& ops = operators();
      const auto it = std::find_if(ops.begin(), ops.end(), [&](const auto& o) { return o.first == op_name; });
      if (it == ops.end()) {
        details[key] = fmt::format("'{}' is not an operator (eq ne gt gte lt lte in nin contains startsWith exists)", op_name);
        continue;
      }
      op = it->second;
    }
    const Column* column = catalog.find(name);
    if (!column) {
      details[key] = "is not a field or list parameter";
      continue;
    }
    std::string why;
    std::vector<std::string_view> texts;
    if (op == Op::kIn || op == Op::kNin) texts = split(value, ',');
    else texts.push_back(value);
    std::optional<Filter> f = make_filter(*column, op, texts, why);
    if (!f) {
      details[key] = why;
      continue;
    }
    signature.push_back(filter_signature(name, op, value));
    q.filters.push_back(std::move(*f));
  }

  if (sort) {
    for (auto part : split(*sort, ',')) {
      const bool desc = part.starts_with('-');
      const std::string_view name = desc ? part.substr(1) : part;
      const Column* column = catalog.find(name);
      if (!column) {
        details["sort"] = fmt::format("'{}' is not a field", name);
      } else if (column->kind == Kind::kJson) {
        details["sort"] = fmt::format("'{}' is a json field and can't be sorted on", name);
      } else if (std::any_of(q.sort.begin(), q.sort.end(), [&](const SortKey& k) { return k.column == column; })) {
        details["sort"] = fmt::format("'{}' is named twice", name);
      } else if (std::none_of(q.sort.begin(), q.sort.end(), [](const SortKey& k) { return k.column->name == "id"; })) {
        q.sort.push_back({column, desc});  // keys after id could never matter
      }
    }
  }
  add_tie_break(q, catalog);
  if (page && cursor) details["cursor"] = "use either page or cursor, not both";

  q.scope = cursor_scope(catalog, options.caller, sort.value_or(""), std::move(signature));
  if (cursor && details.empty()) {
    q.keyset = true;
    q.after = cursors.decode(q.scope, *cursor, q.sort.size());
  }
  if (!details.empty()) throw Error::validation(std::move(details), "A query parameter is not valid");
  return q;
}

std::string ListSql::param(storage::Value v) {
  params_.push_back(std::move(v));
  return "$" + std::to_string(params_.size());
}

// Text compares bytewise in both dialects (SQLite's BINARY, PostgreSQL's "C"), so lists sort
// and page the same whichever database holds them.
std::string ListSql::comparable(const Column& c) const {
  if (c.kind == Kind::kText) return c.sql + std::string(dialect_.text_collation());
  return c.sql;
}

std::string ListSql::condition(const Filter& f) {
  const Column& c = *f.column;
  switch (f.op) {
    case Op::kEq: return c.sql + " = " + param(f.values[0]);
    case Op::kNe: return dialect_.distinct_from(c.sql, param(f.values[0]));
    case Op::kGt: return comparable(c) + " > " + param(f.values[0]);
    case Op::kGte: return comparable(c) + " >= " + param(f.values[0]);
    case Op::kLt: return comparable(c) + " < " + param(f.values[0]);
    case Op::kLte: return comparable(c) + " <= " + param(f.values[0]);
    case Op::kIn:
    case Op::kNin: {
      std::string list;
      for (const auto& v : f.values) list += (list.empty() ? "" : ", ") + param(v);
      return f.op == Op::kIn ? c.sql + " IN (" + list + ")"
                             : "(" + c.sql + " NOT IN (" + list + ") OR " + c.sql + " IS NULL)";
    }
    case Op::kContains:
    case Op::kStartsWith: return dialect_.like_ignoring_case(c.sql, param(f.values[0]));
    case Op::kExists: return c.sql + (std::get<std::int64_t>(f.values[0]) ? " IS NOT NULL" : " IS NULL");
  }
  return "1 = 0";  // every Op is handled above
}

// A group in parentheses; an empty one holds for AND ("1 = 1") and fails for OR ("1 = 0"),
// as an empty conjunction and an empty disjunction do.
std::string ListSql::group(const FilterGroup& g) {
  const char* join = g.any ? " OR " : " AND ";
  std::string out;
  for (const Filter& f : g.filters) out += (out.empty() ? "" : join) + condition(f);
  for (const FilterGroup& sub : g.groups) out += (out.empty() ? "" : join) + group(sub);
  if (out.empty()) return g.any ? "1 = 0" : "1 = 1";
  return "(" + out + ")";
}

std::string ListSql::filters(const ListQuery& q) {
  std::string out;
  for (const Filter& f : q.filters) out += (out.empty() ? "" : " AND ") + condition(f);
  for (const FilterGroup& g : q.groups) out += (out.empty() ? "" : " AND ") + group(g);
  return out;
}

// NULL is the smallest value: first ascending, last descending. Row r comes after the cursor
// position p when, for some key i, r equals p on keys before i and is past p on key i.
std::string ListSql::after(const ListQuery& q) {
  if (!q.keyset) return {};
  std::string out;
  std::string equal_so_far;
  for (std::size_t i = 0; i < q.sort.size(); ++i) {
    const SortKey& k = q.sort[i];
    const Column& c = *k.column;
    const storage::Value& v = q.after[i];
    const bool null = std::holds_alternative<std::nullptr_t>(v);
    std::string past;
    std::string equal;
    if (null) {
      past = k.descending ? std::string() : c.sql + " IS NOT NULL";
      equal = c.sql + " IS NULL";
    } else {
      const std::string p = param(v);
      past = comparable(c) + (k.descending ? " < " : " > ") + p;
      if (k.descending && c.nullable) past = "(" + past + " OR " + c.sql + " IS NULL)";
      equal = c.sql + " = " + p;
    }
    if (!past.empty()) {
      const std::string term = equal_so_far.empty() ? past : equal_so_far + " AND " + past;
      out += (out.empty() ? "(" : " OR (") + term + ")";
    }
    equal_so_far += (equal_so_far.empty() ? "" : " AND ") + equal;
  }
  return out.empty() ? "1 = 0" : "(" + out + ")";
}

std::string ListSql::order_by(const ListQuery& q) const {
  std::string out;
  for (const SortKey& k : q.sort) {
    out += (out.empty() ? "" : ", ") + comparable(*k.column);
    if (k.descending) out += " DESC";
    // NULL is the smallest value: nullable columns say so where the dialect's default differs;
    // non-null ones keep the plain form, which is what a backward scan of their (ascending)
    // index gives.
    if (k.column->nullable) out += k.descending ? dialect_.nulls_last() : dialect_.nulls_first();
  }
  return out;
}

std::string where_all(std::initializer_list<std::string> conditions) {
  std::string out;
  for (const auto& c : conditions) {
    if (!c.empty()) out += (out.empty() ? "" : " AND ") + c;
  }
  return out.empty() ? "1 = 1" : out;
}

}  // namespace keel::lists
