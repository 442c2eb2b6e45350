#include "graphql/list_arguments.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "core/error.hpp"

namespace keel::graphql {
namespace json = boost::json;
namespace {

// A filter value as the text REST would have received: the same typing rules then apply.
std::optional<std::string> as_text(const json::value& v) {
  if (const auto* s = v.if_string()) return std::string(*s);
  if (v.is_bool()) return std::string(v.as_bool() ? "true" : "false");
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return fmt::format("{}", v.as_double());
  return std::nullopt;
}

class FilterCompiler {
 public:
  FilterCompiler(const lists::Catalog& catalog, ErrorDetails& details) : catalog_(catalog), details_(details) {}

  /// `field[op]=value` for each condition outside `and`/`or`, as REST signs its filters.
  std::vector<std::string> signature;
  /// Whether the filter uses `and` or `or` (REST has neither).
  bool combined = false;

  // One filter object: every field and every `and` must hold, one `or` of its list must.
  lists::FilterGroup group(const json::object& filter, const std::string& path, int depth) {
    lists::FilterGroup out;
    if (depth > kMaxFilterNesting) {
      details_[path] = fmt::format("nests and/or more than {} deep", kMaxFilterNesting);
      return out;
    }
    for (const auto& [key, value] : filter) {
      const std::string at = path + "." + std::string(key);
      if (value.is_null()) continue;  // an input field given as null sets no condition
      if (key == "and" || key == "or") {
        this->combined = true;
        lists::FilterGroup combined;
        combined.any = key == "or";
        const json::array* items = value.if_array();
        for (std::size_t i = 0; items && i < items->size(); ++i) {
          if (const auto* item = (*items)[i].if_object()) {
            combined.groups.push_back(group(*item, at + "." + std::to_string(i), depth + 1));
          }
        }
        out.groups.push_back(std::move(combined));
        continue;
      }
      const lists::Column* column = catalog_.find(key);
      const json::object* ops = value.if_object();
      if (!column || !ops) continue;  // the schema's filter inputs have the catalog's columns only
      for (const auto& [op_name, operand] : *ops) {
        field_filter(*column, op_name, operand, at + "." + std::string(op_name), out, depth == 1);
      }
    }
    return out;
  }

 private:
  // Adds the condition (details when it is not valid); signed ones (outside and/or) go into
  // the signature too, their values as REST's parameter would give them (`todo,done`).
  void field_filter(const lists::Column& column, std::string_view op_name, const json::value& operand,
                    const std::string& at, lists::FilterGroup& out, bool sign) {
    const auto& ops = lists::operators();
    const auto it = std::find_if(ops.begin(), ops.end(), [&](const auto& o) { return o.first == op_name; });
    if (it == ops.end()) return;  // the schema's filter inputs have the operators only
    if (operand.is_null()) {
      details_[at] = "must not be null (use exists: false for records without a value)";
      return;
    }
    std::vector<std::string> texts;
    if (const auto* items = operand.if_array()) {
      for (const auto& item : *items) {
        auto text = as_text(item);
        if (!text) {
          details_[at] = "must not hold null";
          return;
        }
        texts.push_back(std::move(*text));
      }
    } else if (auto text = as_text(operand)) {
      texts.push_back(std::move(*text));
    }
    std::vector<std::string_view> views(texts.begin(), texts.end());
    std::string why;
    std::optional<lists::Filter> f = lists::make_filter(column, it->second, views, why);
    if (!f) {
      details_[at] = why;
      return;
    }
    out.filters.push_back(std::move(*f));
    if (!sign) return;
    std::string value;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (i) value += ',';
      value += texts[i];
    }
    signature.push_back(lists::filter_signature(column.name, it->second, value));
  }

  const lists::Catalog& catalog_;
  ErrorDetails& details_;
};

}  // namespace

lists::ListQuery list_query(const Schema& schema, const FieldDef& field, const json::object& arguments,
                            const lists::Catalog& catalog, const lists::CursorCodec& cursors, std::string_view caller,
                            std::string_view scope, bool total) {
  lists::ListQuery q;
  ErrorDetails details;

  if (const auto* first = arguments.if_contains("first"); first && !first->is_null()) {
    const std::int64_t n = first->is_int64() ? first->as_int64() : 0;
    if (n < 1 || n > lists::kMaxLimit) details["first"] = "must be a whole number from 1 to 100";
    else q.limit = n;
  }

  const json::value* sort = arguments.if_contains("sort");
  if (sort && sort->is_array()) {
    const InputValue* sort_arg = field.argument("sort");
    const NamedType* sort_type = sort_arg ? schema.find_type(sort_arg->type.named_type()) : nullptr;
    for (const auto& item : sort->as_array()) {
      const EnumValueDef* value = sort_type && item.is_string() ? sort_type->value(item.as_string()) : nullptr;
      const lists::Column* column = value && value->sort ? catalog.find(value->sort->column) : nullptr;
      if (!column) continue;  // coercion let only the enum's values through
      if (std::any_of(q.sort.begin(), q.sort.end(), [&](const lists::SortKey& k) { return k.column == column; })) {
        details["sort"] = fmt::format("'{}' is named twice", column->name);
      } else if (std::none_of(q.sort.begin(), q.sort.end(), [](const lists::SortKey& k) { return k.column->name == "id"; })) {
        q.sort.push_back({column, value->sort->descending});  // keys after id could never matter
      }
    }
  }
  const std::size_t given_keys = q.sort.size();
  lists::add_tie_break(q, catalog);

  const json::value* filter = arguments.if_contains("filter");
  FilterCompiler compiler(catalog, details);
  if (filter && filter->is_object()) q.groups.push_back(compiler.group(filter->as_object(), "filter", 1));

  // A cursor resumes only the query that made it: the same list, caller, place, sort and filter.
  // A root list's query is one REST can ask too (unless its filter uses and/or): then its
  // cursors are REST's, `after` takes a nextCursor and a GET takes its endCursor.
  if (scope.empty() && !compiler.combined) {
    std::string rest_sort;  // `-priority,title`: the keys the argument gave, not the tie-break
    for (std::size_t i = 0; i < given_keys; ++i) {
      if (i) rest_sort += ',';
      if (q.sort[i].descending) rest_sort += '-';
      rest_sort += q.sort[i].column->name;
    }
    q.scope = lists::cursor_scope(catalog, caller, rest_sort, compiler.signature);
  } else {
    q.scope = catalog.name;
    q.scope += '\n';
    q.scope += caller;
    q.scope += "\ngraphql ";
    q.scope += scope;
    q.scope += '\n';
    q.scope += sort ? json::serialize(*sort) : std::string("null");
    q.scope += '\n';
    q.scope += filter ? json::serialize(*filter) : std::string("null");
  }

  const json::value* after = arguments.if_contains("after");
  if (after && after->is_string() && details.empty()) {
    try {
      q.after = cursors.decode(q.scope, after->as_string(), q.sort.size());
      q.keyset = true;
    } catch (const Error&) {
      details["after"] = "is not a cursor of this list (use pageInfo.endCursor as given)";
    }
  }
  q.total = total;
  q.total_with_cursor = total;
  if (!details.empty()) throw Error::validation(std::move(details), "An argument is not valid");
  return q;
}

}  // namespace keel::graphql
