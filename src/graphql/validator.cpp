#include "graphql/validator.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <functional>
#include <utility>

#include "graphql/sdl.hpp"

// The rules follow graphql-js (v16) rule by rule, with its messages; keel's schema has object,
// scalar, enum and input object types only, so "composite" means object and two different
// object types never overlap. Each rule that needs a type but can't know it (an unknown field,
// an unknown fragment) stays silent, as in graphql-js: the unknown thing is reported once.

namespace keel::graphql {
namespace {

using Locations = std::vector<Location>;

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

// Damerau-Levenshtein distance, case-insensitive, as graphql-js's suggestionList measures it.
std::size_t lexical_distance(std::string_view a, std::string_view b) {
  std::string x(a), y(b);
  for (auto& c : x) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& c : y) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (a == b) return 0;
  if (x == y) return 1;
  const std::size_t n = x.size(), m = y.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = x[i - 1] == y[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);  // a transposition
      }
    }
  }
  return d[n][m];
}

// graphql-js's didYouMean(suggestionList(input, options)): "" or ` Did you mean "a", "b", or "c"?`.
std::string did_you_mean(std::string_view input, const std::vector<std::string_view>& options,
                         std::string_view what = {}) {
  const std::size_t threshold = input.size() * 4 / 10 + 1;
  std::vector<std::pair<std::size_t, std::string_view>> close;
  for (const auto option : options) {
    const std::size_t d = lexical_distance(input, option);
    if (d <= threshold) close.emplace_back(d, option);
  }
  if (close.empty()) return {};
  std::sort(close.begin(), close.end());
  if (close.size() > 5) close.resize(5);
  std::string out = " Did you mean ";
  if (!what.empty()) {
    out += what;
    out += ' ';
  }
  for (std::size_t i = 0; i < close.size(); ++i) {
    if (i > 0) out += close.size() == 2 ? " or " : (i + 1 == close.size() ? ", or " : ", ");
    out += quoted(close[i].second);
  }
  out += '?';
  return out;
}

bool is_leaf(const NamedType* t) { return t && (t->kind == TypeKind::kScalar || t->kind == TypeKind::kEnum); }
bool is_composite(const NamedType* t) { return t && t->kind == TypeKind::kObject; }

// A place where a variable is used, and what the place expects (null: not known).
struct VariableUsage {
  std::string_view name;
  Location location;
  std::optional<TypeRef> type;
  bool location_has_default = false;
};

// A field of a selection set with its fragments expanded, and the type it was selected on.
struct CollectedField {
  const NamedType* parent = nullptr;
  const Field* field = nullptr;
  const FieldDef* def = nullptr;
};

// One overlapping-fields conflict: the response key, the reason (text or sub-conflicts) and the
// fields on each side.
struct Conflict {
  std::string key;
  std::string reason;
  Locations fields1;
  Locations fields2;
};

class Validator {
 public:
  Validator(const Document& document, const Schema& schema, const RequestLimits& limits)
      : document_(document), schema_(schema), limits_(limits) {
    for (const auto& f : document_.fragments) fragments_.emplace(f.name, &f);
  }

  std::vector<GraphqlError> run() {
    operation_names();
    fragment_names();
    for (const auto& op : document_.operations) operation(op);
    for (const auto& f : document_.fragments) fragment(f);
    unused_fragments();
    fragment_cycles();
    variables_in_operations();
    introspection_depth();
    return std::move(errors_);
  }

 private:
  void error(std::string message, Locations locations) {
    if (errors_.size() > limits_.max_errors) return;
    if (errors_.size() == limits_.max_errors) {
      errors_.push_back(GraphqlError{"Too many validation errors, error limit reached. Validation aborted.", {}});
      return;
    }
    errors_.push_back(GraphqlError{std::move(message), std::move(locations)});
  }

  const FragmentDefinition* fragment_named(std::string_view name) const {
    const auto it = fragments_.find(name);
    return it == fragments_.end() ? nullptr : it->second;
  }

  // UniqueOperationNames, LoneAnonymousOperation, subscriptions (keel has none).
  void operation_names() {
    std::map<std::string_view, const OperationDefinition*> seen;
    for (const auto& op : document_.operations) {
      if (!op.name) {
        if (document_.operations.size() > 1) {
          error("This anonymous operation must be the only defined operation.", {op.location});
        }
        continue;
      }
      const auto [it, fresh] = seen.emplace(*op.name, &op);
      if (!fresh) {
        error("There can be only one operation named " + quoted(*op.name) + ".", {it->second->location, op.location});
      }
    }
  }

  // UniqueFragmentNames.
  void fragment_names() {
    std::map<std::string_view, const FragmentDefinition*> seen;
    for (const auto& f : document_.fragments) {
      const auto [it, fresh] = seen.emplace(f.name, &f);
      if (!fresh) {
        error("There can be only one fragment named " + quoted(f.name) + ".", {it->second->location, f.location});
      }
    }
  }

  void operation(const OperationDefinition& op) {
    std::vector<VariableUsage>& usages = usages_[&op];
    // UniqueVariableNames, KnownTypeNames, VariablesAreInputTypes, default values, directives.
    std::map<std::string_view, Location> seen;
    for (const auto& v : op.variables) {
      const auto [it, fresh] = seen.emplace(v.name, v.location);
      std::string dollar = "$";
      dollar += v.name;
      if (!fresh) error("There can be only one variable named " + quoted(dollar) + ".", {it->second, v.location});
      const TypeRef type = type_ref(v.type);
      if (!known_type(type.named_type(), v.type.location)) {
        // reported; nothing more to check against an unknown type
      } else if (!schema_.is_input_type(type)) {
        error("Variable " + quoted(dollar) + " cannot be non-input type " + quoted(to_string(type)) + ".",
              {v.type.location});
      } else if (v.default_value) {
        value(*v.default_value, type, usages);
      }
      directives(v.directives, DirectiveLocation::kVariableDefinition, usages);
    }
    DirectiveLocation where = DirectiveLocation::kQuery;
    std::string root = schema_.query_type();
    if (op.operation == OperationType::kMutation) {
      where = DirectiveLocation::kMutation;
      root = schema_.mutation_type();
      if (root.empty()) error("Schema is not configured to execute mutation operation.", {op.location});
    } else if (op.operation == OperationType::kSubscription) {
      where = DirectiveLocation::kSubscription;
      root.clear();
      error("subscriptions are not supported; use /api/realtime", {op.location});
    }
    directives(op.directives, where, usages);
    selection_set(op.selection_set, root.empty() ? nullptr : schema_.find_type(root), usages);
  }

  void fragment(const FragmentDefinition& f) {
    std::vector<VariableUsage> ignored;  // a second fragment of the same name: checked, not used
    std::vector<VariableUsage>& usages = fragment_named(f.name) == &f ? fragment_usages_[f.name] : ignored;
    directives(f.directives, DirectiveLocation::kFragmentDefinition, usages);
    const NamedType* type = nullptr;
    if (known_type(f.type_condition, f.type_condition_location)) {
      type = schema_.find_type(f.type_condition);
      if (!is_composite(type)) {
        error(
            "Fragment " + quoted(f.name) + " cannot condition on non composite type " + quoted(f.type_condition) + ".",
            {f.type_condition_location});
        type = nullptr;
      }
    }
    selection_set(f.selection_set, type, usages);
  }

  // KnownTypeNames.
  bool known_type(const std::string& name, Location location) {
    if (schema_.find_type(name)) return true;
    std::vector<std::string_view> names;
    for (const auto& [n, t] : schema_.types()) names.push_back(n);
    error("Unknown type " + quoted(name) + "." + did_you_mean(name, names), {location});
    return false;
  }

  void selection_set(const std::vector<Selection>& set, const NamedType* parent, std::vector<VariableUsage>& usages) {
    overlapping_fields(set, parent);
    for (const auto& selection : set) {
      if (const auto* f = std::get_if<Field>(&selection)) {
        field(*f, parent, usages);
      } else if (const auto* inline_fragment = std::get_if<InlineFragment>(&selection)) {
        directives(inline_fragment->directives, DirectiveLocation::kInlineFragment, usages);
        const NamedType* type = parent;
        if (inline_fragment->type_condition) {
          const std::string& condition = *inline_fragment->type_condition;
          type = nullptr;
          if (known_type(condition, inline_fragment->type_condition_location)) {
            type = schema_.find_type(condition);
            if (!is_composite(type)) {
              error("Fragment cannot condition on non composite type " + quoted(condition) + ".",
                    {inline_fragment->type_condition_location});
              type = nullptr;
            } else if (parent && type != parent) {
              error("Fragment cannot be spread here as objects of type " + quoted(parent->name) +
                        " can never be of type " + quoted(type->name) + ".",
                    {inline_fragment->location});
            }
          }
        }
        selection_set(inline_fragment->selection_set, type, usages);
      } else {
        const auto& spread = std::get<FragmentSpread>(selection);
        directives(spread.directives, DirectiveLocation::kFragmentSpread, usages);
        const FragmentDefinition* target = fragment_named(spread.name);
        if (!target) {
          error("Unknown fragment " + quoted(spread.name) + ".", {spread.location});
          continue;
        }
        const NamedType* type = schema_.find_type(target->type_condition);
        if (parent && is_composite(type) && type != parent) {
          error("Fragment " + quoted(spread.name) + " cannot be spread here as objects of type " +
                    quoted(parent->name) + " can never be of type " + quoted(type->name) + ".",
                {spread.location});
        }
      }
    }
  }

  void field(const Field& f, const NamedType* parent, std::vector<VariableUsage>& usages) {
    directives(f.directives, DirectiveLocation::kField, usages);
    const FieldDef* def = parent ? schema_.selectable_field(*parent, f.name) : nullptr;
    if (parent && !def) {
      std::vector<std::string_view> names;
      for (const auto& field_def : parent->fields) names.push_back(field_def.name);
      error("Cannot query field " + quoted(f.name) + " on type " + quoted(parent->name) + "." +
                did_you_mean(f.name, names),
            {f.location});
    }
    std::string coordinate;
    if (def) {
      coordinate = parent->name;
      coordinate += '.';
      coordinate += def->name;
    }
    arguments(f.arguments, def ? &def->arguments : nullptr, "field " + quoted(coordinate), usages);
    if (def) {
      for (const auto& a : def->arguments) {
        if (a.type.non_null && !a.default_value &&
            std::none_of(f.arguments.begin(), f.arguments.end(), [&](const Argument& x) { return x.name == a.name; })) {
          error("Field " + quoted(def->name) + " argument " + quoted(a.name) + " of type " + quoted(to_string(a.type)) +
                    " is required, but it was not provided.",
                {f.location});
        }
      }
    }
    const NamedType* type = def ? schema_.find_type(def->type.named_type()) : nullptr;
    // ScalarLeafs.
    if (type && is_leaf(type) && !f.selection_set.empty()) {
      error("Field " + quoted(f.name) + " must not have a selection since type " + quoted(to_string(def->type)) +
                " has no subfields.",
            {f.location});
    } else if (type && is_composite(type) && f.selection_set.empty()) {
      std::string hint = f.name;
      hint += " { ... }";
      error("Field " + quoted(f.name) + " of type " + quoted(to_string(def->type)) +
                " must have a selection of subfields. Did you mean " + quoted(hint) + "?",
            {f.location});
    }
    if (!f.selection_set.empty()) selection_set(f.selection_set, is_composite(type) ? type : nullptr, usages);
  }

  // KnownArgumentNames, UniqueArgumentNames, ValuesOfCorrectType of each argument. `defs` null:
  // the field or directive is unknown, only uniqueness and variable uses are checked.
  void arguments(const std::vector<Argument>& args, const std::vector<InputValue>* defs, const std::string& owner,
                 std::vector<VariableUsage>& usages) {
    std::map<std::string_view, Locations> by_name;
    for (const auto& a : args) by_name[a.name].push_back(a.location);
    std::set<std::string_view> reported;
    for (const auto& a : args) {
      const auto& same = by_name[a.name];
      if (same.size() > 1 && reported.insert(a.name).second) {
        error("There can be only one argument named " + quoted(a.name) + ".", same);
      }
      const InputValue* def = nullptr;
      if (defs) {
        for (const auto& d : *defs) {
          if (d.name == a.name) def = &d;
        }
        if (!def) {
          std::vector<std::string_view> names;
          for (const auto& d : *defs) names.push_back(d.name);
          error("Unknown argument " + quoted(a.name) + " on " + owner + "." + did_you_mean(a.name, names),
                {a.location});
        }
      }
      if (def) {
        value(a.value, def->type, usages, def->default_value.has_value());
      } else {
        collect_variables(a.value, usages);
      }
    }
  }

  void collect_variables(const Value& v, std::vector<VariableUsage>& usages) {
    if (const auto* var = std::get_if<Variable>(&v.kind)) {
      usages.push_back(VariableUsage{var->name, v.location, std::nullopt, false});
    } else if (const auto* list = std::get_if<ListValue>(&v.kind)) {
      for (const auto& item : list->values) collect_variables(item, usages);
    } else if (const auto* object = std::get_if<ObjectValue>(&v.kind)) {
      for (const auto& f : object->fields) collect_variables(f.value, usages);
    }
  }

  // ValuesOfCorrectType and UniqueInputFieldNames for a value where `type` is expected;
  // variables are recorded for VariablesInAllowedPosition.
  void value(const Value& v, const TypeRef& type, std::vector<VariableUsage>& usages, bool has_default = false) {
    if (const auto* var = std::get_if<Variable>(&v.kind)) {
      usages.push_back(VariableUsage{var->name, v.location, type, has_default});
      return;
    }
    if (std::holds_alternative<NullValue>(v.kind)) {
      if (type.non_null) error("Expected value of type " + quoted(to_string(type)) + ", found null.", {v.location});
      return;
    }
    if (type.is_list()) {
      if (const auto* list = std::get_if<ListValue>(&v.kind)) {
        for (const auto& item : list->values) value(item, *type.of_type, usages);
      } else {
        value(v, *type.of_type, usages);  // a single item coerces to a list of one
      }
      return;
    }
    const NamedType* named_type = schema_.find_type(type.name);
    if (!named_type) return;
    const auto expected = [&] {
      error("Expected value of type " + quoted(to_string(type)) + ", found " + print_value(v) + ".", {v.location});
    };
    if (named_type->kind == TypeKind::kInputObject) {
      const auto* object = std::get_if<ObjectValue>(&v.kind);
      if (!object) {
        expected();
        collect_variables(v, usages);
        return;
      }
      std::map<std::string_view, Location> seen;
      for (const auto& f : object->fields) {
        const auto [it, fresh] = seen.emplace(f.name, f.location);
        if (!fresh) error("There can be only one input field named " + quoted(f.name) + ".", {it->second, f.location});
        const InputValue* def = named_type->input_field(f.name);
        if (!def) {
          std::vector<std::string_view> names;
          for (const auto& d : named_type->input_fields) names.push_back(d.name);
          error("Field " + quoted(f.name) + " is not defined by type " + quoted(named_type->name) + "." +
                    did_you_mean(f.name, names),
                {f.location});
          collect_variables(f.value, usages);
        } else {
          value(f.value, def->type, usages, def->default_value.has_value());
        }
      }
      for (const auto& d : named_type->input_fields) {
        if (d.type.non_null && !d.default_value && !seen.count(d.name)) {
          error("Field " + quoted(named_type->name + "." + d.name) + " of required type " + quoted(to_string(d.type)) +
                    " was not provided.",
                {v.location});
        }
      }
      return;
    }
    if (std::holds_alternative<ListValue>(v.kind) || std::holds_alternative<ObjectValue>(v.kind)) {
      collect_variables(v, usages);  // variables inside a wrong value are still uses
      if (named_type->name == "JSON") return;
    }
    if (named_type->kind == TypeKind::kEnum) {
      const auto* e = std::get_if<EnumValue>(&v.kind);
      std::vector<std::string_view> names;
      for (const auto& d : named_type->values) names.push_back(d.name);
      const std::string printed = print_value(v);
      if (!e) {
        error("Enum " + quoted(named_type->name) + " cannot represent non-enum value: " + printed + "." +
                  did_you_mean(printed, names, "the enum value"),
              {v.location});
      } else if (!named_type->value(e->name)) {
        error("Value " + quoted(printed) + " does not exist in " + quoted(named_type->name) + " enum." +
                  did_you_mean(printed, names, "the enum value"),
              {v.location});
      }
      return;
    }
    scalar(v, *named_type, expected);
  }

  template <class Expected>
  void scalar(const Value& v, const NamedType& type, const Expected& expected) {
    const auto& k = v.kind;
    const auto* i = std::get_if<IntValue>(&k);
    const bool is_string = std::holds_alternative<StringValue>(k);
    const std::string& name = type.name;
    const std::string printed = print_value(v);
    if (name == "Int") {
      if (!i) {
        error("Int cannot represent non-integer value: " + printed, {v.location});
      } else if (!i->value || *i->value < INT32_MIN || *i->value > INT32_MAX) {
        error("Int cannot represent non 32-bit signed integer value: " + printed, {v.location});
      }
    } else if (name == "Float") {
      if (!i && !std::holds_alternative<FloatValue>(k)) {
        error("Float cannot represent non numeric value: " + printed, {v.location});
      }
    } else if (name == "String") {
      if (!is_string) error("String cannot represent a non string value: " + printed, {v.location});
    } else if (name == "Boolean") {
      if (!std::holds_alternative<BooleanValue>(k)) {
        error("Boolean cannot represent a non boolean value: " + printed, {v.location});
      }
    } else if (name == "ID") {
      if (!i && !is_string) error("ID cannot represent a non-string and non-integer value: " + printed, {v.location});
    } else if (name == "BigInt") {
      if (!i || !i->value) expected();
    } else if (name == "DateTime") {
      if (!is_string) expected();
    } else if (name == "JSON") {
      expected();  // lists and objects returned above; a JSON field's value is one of those
    }
  }

  void directives(const std::vector<Directive>& list, DirectiveLocation where, std::vector<VariableUsage>& usages) {
    std::map<std::string_view, Location> seen;
    for (const auto& d : list) {
      const DirectiveDef* def = schema_.find_directive(d.name);
      std::string at = "@";
      at += d.name;
      if (!def) {
        error("Unknown directive " + quoted(at) + ".", {d.location});
      } else {
        if (std::find(def->locations.begin(), def->locations.end(), where) == def->locations.end()) {
          error("Directive " + quoted(at) + " may not be used on " + std::string(to_string(where)) + ".", {d.location});
        }
        if (!def->repeatable) {
          const auto [it, fresh] = seen.emplace(d.name, d.location);
          if (!fresh) {
            error("The directive " + quoted(at) + " can only be used once at this location.", {it->second, d.location});
          }
        }
        for (const auto& a : def->arguments) {
          if (a.type.non_null && !a.default_value &&
              std::none_of(d.arguments.begin(), d.arguments.end(),
                           [&](const Argument& x) { return x.name == a.name; })) {
            error("Directive " + quoted(at) + " argument " + quoted(a.name) + " of type " + quoted(to_string(a.type)) +
                      " is required, but it was not provided.",
                  {d.location});
          }
        }
      }
      arguments(d.arguments, def ? &def->arguments : nullptr, "directive " + quoted(at), usages);
    }
  }

  // The fragments an operation or fragment spreads, directly.
  static void spreads(const std::vector<Selection>& set, std::vector<const FragmentSpread*>& out) {
    for (const auto& s : set) {
      if (const auto* f = std::get_if<Field>(&s)) {
        spreads(f->selection_set, out);
      } else if (const auto* i = std::get_if<InlineFragment>(&s)) {
        spreads(i->selection_set, out);
      } else {
        out.push_back(&std::get<FragmentSpread>(s));
      }
    }
  }

  // The fragments an operation reaches, transitively (each once).
  std::vector<const FragmentDefinition*> reachable(const OperationDefinition& op) const {
    std::vector<const FragmentDefinition*> found;
    std::set<std::string_view> seen;
    std::vector<const std::vector<Selection>*> todo = {&op.selection_set};
    while (!todo.empty()) {
      const auto* set = todo.back();
      todo.pop_back();
      std::vector<const FragmentSpread*> direct;
      spreads(*set, direct);
      for (const auto* s : direct) {
        const FragmentDefinition* f = fragment_named(s->name);
        if (f && seen.insert(f->name).second) {
          found.push_back(f);
          todo.push_back(&f->selection_set);
        }
      }
    }
    return found;
  }

  // NoUnusedFragments.
  void unused_fragments() {
    std::set<std::string_view> used;
    for (const auto& op : document_.operations) {
      for (const auto* f : reachable(op)) used.insert(f->name);
    }
    for (const auto& f : document_.fragments) {
      if (!used.count(f.name)) error("Fragment " + quoted(f.name) + " is never used.", {f.location});
    }
  }

  // NoFragmentCycles, as graphql-js walks it: each fragment once, reporting each cycle once.
  void fragment_cycles() {
    std::set<std::string_view> visited;
    std::vector<const FragmentSpread*> path;
    std::map<std::string_view, std::size_t> path_index;
    for (const auto& f : document_.fragments) {
      if (!visited.count(f.name)) detect_cycle(f, visited, path, path_index);
    }
  }

  void detect_cycle(const FragmentDefinition& f, std::set<std::string_view>& visited,
                    std::vector<const FragmentSpread*>& path, std::map<std::string_view, std::size_t>& path_index) {
    if (visited.count(f.name)) return;
    visited.insert(f.name);
    std::vector<const FragmentSpread*> direct;
    spreads(f.selection_set, direct);
    if (direct.empty()) return;
    path_index[f.name] = path.size();
    for (const auto* spread : direct) {
      const auto cycle = path_index.find(spread->name);
      path.push_back(spread);
      if (cycle == path_index.end()) {
        if (const FragmentDefinition* target = fragment_named(spread->name)) {
          detect_cycle(*target, visited, path, path_index);
        }
      } else {
        std::string message = "Cannot spread fragment " + quoted(spread->name) + " within itself";
        Locations locations;
        std::string via;
        for (std::size_t i = cycle->second; i < path.size(); ++i) {
          locations.push_back(path[i]->location);
          if (i + 1 < path.size()) {
            if (!via.empty()) via += ", ";
            via += quoted(path[i]->name);
          }
        }
        if (!via.empty()) message += " via " + via;
        error(message + ".", locations);
      }
      path.pop_back();
    }
    path_index.erase(f.name);
  }

  // NoUndefinedVariables, NoUnusedVariables, VariablesInAllowedPosition: per operation, with
  // the uses in every fragment it reaches.
  void variables_in_operations() {
    for (const auto& op : document_.operations) {
      std::vector<VariableUsage> all = usages_[&op];
      for (const auto* f : reachable(op)) {
        const auto& more = fragment_usages_[f->name];
        all.insert(all.end(), more.begin(), more.end());
      }
      std::map<std::string_view, const VariableDefinition*> defined;
      for (const auto& v : op.variables) defined.emplace(v.name, &v);
      std::set<std::string_view> used;
      for (const auto& u : all) {
        std::string dollar = "$";
        dollar += u.name;
        used.insert(u.name);
        const auto it = defined.find(u.name);
        if (it == defined.end()) {
          error(op.name ? "Variable " + quoted(dollar) + " is not defined by operation " + quoted(*op.name) + "."
                        : "Variable " + quoted(dollar) + " is not defined.",
                {u.location, op.location});
          continue;
        }
        if (!u.type) continue;
        const VariableDefinition& def = *it->second;
        const TypeRef var_type = type_ref(def.type);
        if (!schema_.find_type(var_type.named_type()) || !schema_.is_input_type(var_type)) continue;
        if (!allowed(var_type, def, *u.type, u.location_has_default)) {
          error("Variable " + quoted(dollar) + " of type " + quoted(to_string(var_type)) +
                    " used in position expecting type " + quoted(to_string(*u.type)) + ".",
                {def.location, u.location});
        }
      }
      for (const auto& v : op.variables) {
        if (used.count(v.name)) continue;
        std::string dollar = "$";
        dollar += v.name;
        error(op.name ? "Variable " + quoted(dollar) + " is never used in operation " + quoted(*op.name) + "."
                      : "Variable " + quoted(dollar) + " is never used.",
              {v.location});
      }
    }
  }

  static bool allowed(const TypeRef& var_type, const VariableDefinition& def, const TypeRef& location_type,
                      bool location_has_default) {
    if (location_type.non_null && !var_type.non_null) {
      const bool var_has_default = def.default_value && !std::holds_alternative<NullValue>(def.default_value->kind);
      if (!var_has_default && !location_has_default) return false;
      return sub_type(var_type, location_type.nullable());
    }
    return sub_type(var_type, location_type);
  }

  // graphql-js's isTypeSubTypeOf without abstract types.
  static bool sub_type(const TypeRef& maybe_sub, const TypeRef& super) {
    if (super.non_null) return maybe_sub.non_null && sub_type(maybe_sub.nullable(), super.nullable());
    if (maybe_sub.non_null) return sub_type(maybe_sub.nullable(), super);
    if (super.is_list()) return maybe_sub.is_list() && sub_type(*maybe_sub.of_type, *super.of_type);
    if (maybe_sub.is_list()) return false;
    return maybe_sub.name == super.name;
  }

  // ---- OverlappingFieldsCanBeMerged ----

  void collect(const std::vector<Selection>& set, const NamedType* parent, std::vector<CollectedField>& out,
               std::set<std::string_view>& fragments_seen) const {
    for (const auto& s : set) {
      if (const auto* f = std::get_if<Field>(&s)) {
        out.push_back(CollectedField{parent, f, parent ? schema_.selectable_field(*parent, f->name) : nullptr});
      } else if (const auto* i = std::get_if<InlineFragment>(&s)) {
        const NamedType* type = i->type_condition ? schema_.find_type(*i->type_condition) : parent;
        collect(i->selection_set, type, out, fragments_seen);
      } else {
        const auto& spread = std::get<FragmentSpread>(s);
        const FragmentDefinition* f = fragment_named(spread.name);
        if (f && fragments_seen.insert(f->name).second) {
          collect(f->selection_set, schema_.find_type(f->type_condition), out, fragments_seen);
        }
      }
    }
  }

  // A field as written, subtree included: two fields alike in it can't conflict with each
  // other, and conflict with a third alike, so only the first is compared.
  static void signature(const std::vector<Selection>& set, std::string& out) {
    for (const auto& s : set) {
      if (const auto* f = std::get_if<Field>(&s)) {
        out += f->response_key();
        out += ':';
        out += f->name;
        for (const auto& a : f->arguments) {
          out += a.name;
          out += print_value(a.value);
        }
        for (const auto& d : f->directives) {
          out += '@';
          out += d.name;
          for (const auto& a : d.arguments) {
            out += a.name;
            out += print_value(a.value);
          }
        }
        out += '{';
        signature(f->selection_set, out);
        out += '}';
      } else if (const auto* i = std::get_if<InlineFragment>(&s)) {
        out += "...";
        out += i->type_condition.value_or("");
        out += '{';
        signature(i->selection_set, out);
        out += '}';
      } else {
        out += "...";
        out += std::get<FragmentSpread>(s).name;
      }
      out += ' ';
    }
  }

  static void drop_alike(std::vector<CollectedField>& fields) {
    std::set<std::pair<const NamedType*, std::string>> seen;
    std::vector<CollectedField> kept;
    for (const auto& f : fields) {
      std::string text = f.field->response_key();
      text += ':';
      text += f.field->name;
      for (const auto& a : f.field->arguments) {
        text += a.name;
        text += print_value(a.value);
      }
      text += '{';
      signature(f.field->selection_set, text);
      text += '}';
      if (seen.emplace(f.parent, std::move(text)).second) kept.push_back(f);
    }
    fields = std::move(kept);
  }

  void overlapping_fields(const std::vector<Selection>& set, const NamedType* parent) {
    if (errors_.size() > limits_.max_errors) return;
    std::vector<CollectedField> fields;
    std::set<std::string_view> seen;
    collect(set, parent, fields, seen);
    drop_alike(fields);
    std::map<std::string_view, std::vector<const CollectedField*>> by_key;
    for (const auto& f : fields) by_key[f.field->response_key()].push_back(&f);
    for (const auto& [key, same] : by_key) {
      for (std::size_t i = 0; i < same.size(); ++i) {
        for (std::size_t j = i + 1; j < same.size(); ++j) {
          if (auto conflict = find_conflict(*same[i], *same[j], false)) report(*conflict);
        }
      }
    }
  }

  void report(const Conflict& c) {
    Locations locations = c.fields1;
    locations.insert(locations.end(), c.fields2.begin(), c.fields2.end());
    error("Fields " + quoted(c.key) + " conflict because " + c.reason +
              ". Use different aliases on the fields to fetch both if this was intentional.",
          locations);
  }

  static bool same_arguments(const Field& a, const Field& b) {
    if (a.arguments.size() != b.arguments.size()) return false;
    return std::all_of(a.arguments.begin(), a.arguments.end(), [&](const Argument& x) {
      return std::any_of(b.arguments.begin(), b.arguments.end(), [&](const Argument& y) {
        return x.name == y.name && print_value(x.value) == print_value(y.value);
      });
    });
  }

  bool types_conflict(const TypeRef& a, const TypeRef& b) const {
    if (a.non_null != b.non_null) return true;
    if (a.non_null) return types_conflict(a.nullable(), b.nullable());
    if (a.is_list() != b.is_list()) return true;
    if (a.is_list()) return types_conflict(*a.of_type, *b.of_type);
    if (is_leaf(schema_.find_type(a.name)) || is_leaf(schema_.find_type(b.name))) return a.name != b.name;
    return false;
  }

  // The fields under a field, fragments expanded and alike ones dropped, by response key; kept
  // per field, since a field is compared with many.
  using FieldsByKey = std::map<std::string_view, std::vector<CollectedField>>;
  const FieldsByKey& subfields(const CollectedField& f) {
    const auto cached = subfields_.find(f.field);
    if (cached != subfields_.end()) return cached->second;
    std::vector<CollectedField> fields;
    std::set<std::string_view> seen;
    collect(f.field->selection_set, f.def ? schema_.find_type(f.def->type.named_type()) : nullptr, fields, seen);
    drop_alike(fields);
    FieldsByKey by_key;
    for (const auto& x : fields) by_key[x.field->response_key()].push_back(x);
    return subfields_.emplace(f.field, std::move(by_key)).first->second;
  }

  std::optional<Conflict> find_conflict(const CollectedField& a, const CollectedField& b, bool exclusive_parents) {
    if (a.field == b.field) return std::nullopt;
    const auto key = std::make_tuple(std::min(a.field, b.field), std::max(a.field, b.field), exclusive_parents);
    if (!compared_.insert(key).second) return std::nullopt;  // reported (or not) once

    const std::string& response_key = a.field->response_key();
    const bool exclusive = exclusive_parents || (a.parent && b.parent && a.parent != b.parent &&
                                                 is_composite(a.parent) && is_composite(b.parent));
    if (!exclusive) {
      if (a.field->name != b.field->name) {
        return Conflict{response_key,
                        quoted(a.field->name) + " and " + quoted(b.field->name) + " are different fields",
                        {a.field->location},
                        {b.field->location}};
      }
      if (!same_arguments(*a.field, *b.field)) {
        return Conflict{response_key, "they have differing arguments", {a.field->location}, {b.field->location}};
      }
    }
    if (a.def && b.def && types_conflict(a.def->type, b.def->type)) {
      return Conflict{
          response_key,
          "they return conflicting types " + quoted(to_string(a.def->type)) + " and " + quoted(to_string(b.def->type)),
          {a.field->location},
          {b.field->location}};
    }
    if (a.field->selection_set.empty() || b.field->selection_set.empty()) return std::nullopt;
    const auto& sub1 = subfields(a);
    const auto& sub2 = subfields(b);
    std::vector<Conflict> subs;
    for (const auto& [key, xs] : sub1) {
      const auto ys = sub2.find(key);
      if (ys == sub2.end()) continue;
      for (const auto& x : xs) {
        for (const auto& y : ys->second) {
          if (auto c = find_conflict(x, y, exclusive)) subs.push_back(std::move(*c));
        }
      }
    }
    if (subs.empty()) return std::nullopt;
    Conflict c{response_key, {}, {a.field->location}, {b.field->location}};
    for (std::size_t i = 0; i < subs.size(); ++i) {
      if (i > 0) c.reason += " and ";
      c.reason += "subfields " + quoted(subs[i].key) + " conflict because " + subs[i].reason;
      c.fields1.insert(c.fields1.end(), subs[i].fields1.begin(), subs[i].fields1.end());
      c.fields2.insert(c.fields2.end(), subs[i].fields2.begin(), subs[i].fields2.end());
    }
    return c;
  }

  // ---- introspection depth (graphql-js 16.9's MaxIntrospectionDepthRule) ----

  // The deepest nesting of the list fields under `set`, fragments expanded (a fragment already
  // on the path counts nothing: cycles are reported elsewhere).
  std::size_t introspection_lists(const std::vector<Selection>& set, std::set<std::string_view>& path) {
    std::size_t deepest = 0;
    for (const auto& s : set) {
      if (const auto* f = std::get_if<Field>(&s)) {
        const bool list =
            f->name == "fields" || f->name == "interfaces" || f->name == "possibleTypes" || f->name == "inputFields";
        deepest = std::max(deepest, (list ? 1 : 0) + introspection_lists(f->selection_set, path));
      } else if (const auto* i = std::get_if<InlineFragment>(&s)) {
        deepest = std::max(deepest, introspection_lists(i->selection_set, path));
      } else {
        const auto& spread = std::get<FragmentSpread>(s);
        const FragmentDefinition* f = fragment_named(spread.name);
        if (!f || path.count(f->name)) continue;
        const auto memo = introspection_memo_.find(f->name);
        if (memo != introspection_memo_.end()) {
          deepest = std::max(deepest, memo->second);
          continue;
        }
        path.insert(f->name);
        const std::size_t depth = introspection_lists(f->selection_set, path);
        path.erase(f->name);
        introspection_memo_[f->name] = depth;
        deepest = std::max(deepest, depth);
      }
    }
    return deepest;
  }

  void introspection_fields(const std::vector<Selection>& set, std::set<std::string_view>& done) {
    for (const auto& s : set) {
      if (const auto* f = std::get_if<Field>(&s)) {
        if (f->name == "__schema" || f->name == "__type") {
          std::set<std::string_view> path;
          if (introspection_lists(f->selection_set, path) > limits_.max_introspection_depth) {
            error("Maximum introspection depth exceeded", {f->location});
          }
        } else {
          introspection_fields(f->selection_set, done);
        }
      } else if (const auto* i = std::get_if<InlineFragment>(&s)) {
        introspection_fields(i->selection_set, done);
      } else if (const FragmentDefinition* f = fragment_named(std::get<FragmentSpread>(s).name)) {
        if (done.insert(f->name).second) introspection_fields(f->selection_set, done);
      }
    }
  }

  void introspection_depth() {
    std::set<std::string_view> done;
    for (const auto& op : document_.operations) introspection_fields(op.selection_set, done);
  }

  const Document& document_;
  const Schema& schema_;
  const RequestLimits& limits_;
  std::vector<GraphqlError> errors_;
  std::map<std::string_view, const FragmentDefinition*> fragments_;  // the first of each name
  std::map<const OperationDefinition*, std::vector<VariableUsage>> usages_;
  std::map<std::string_view, std::vector<VariableUsage>> fragment_usages_;
  struct PairHash {
    std::size_t operator()(const std::tuple<const Field*, const Field*, bool>& t) const noexcept {
      const auto a = reinterpret_cast<std::uintptr_t>(std::get<0>(t));
      const auto b = reinterpret_cast<std::uintptr_t>(std::get<1>(t));
      return std::hash<std::uintptr_t>()(a * 31 + b) ^ static_cast<std::size_t>(std::get<2>(t));
    }
  };
  std::unordered_set<std::tuple<const Field*, const Field*, bool>, PairHash> compared_;
  std::map<const Field*, FieldsByKey> subfields_;
  std::map<std::string_view, std::size_t> introspection_memo_;
};

// ---- limits ----

constexpr std::uint64_t kSaturated = std::uint64_t{1} << 50;

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return std::min(kSaturated, a + b); }
std::uint64_t saturating_multiply(std::uint64_t a, std::uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kSaturated / b ? kSaturated : std::min(kSaturated, a * b);
}

class Measurer {
 public:
  Measurer(const Document& document, const OperationDefinition& operation, const Schema& schema,
           const VariableValues& variables)
      : document_(document), operation_(operation), schema_(schema), variables_(variables) {}

  QueryMeasure run() {
    const std::string& root =
        operation_.operation == OperationType::kMutation ? schema_.mutation_type() : schema_.query_type();
    return set(operation_.selection_set, schema_.find_type(root));
  }

 private:
  // One selection set: depth the deepest field, cost and aliases summed.
  QueryMeasure set(const std::vector<Selection>& selections, const NamedType* parent) {
    QueryMeasure total;
    const auto add = [&](const QueryMeasure& m) {
      total.depth = std::max(total.depth, m.depth);
      total.cost = saturating_add(total.cost, m.cost);
      total.aliases = static_cast<std::size_t>(saturating_add(total.aliases, m.aliases));
    };
    for (const auto& s : selections) {
      if (const auto* f = std::get_if<Field>(&s)) {
        add(field(*f, parent));
      } else if (const auto* i = std::get_if<InlineFragment>(&s)) {
        add(set(i->selection_set, i->type_condition ? schema_.find_type(*i->type_condition) : parent));
      } else {
        add(fragment(std::get<FragmentSpread>(s).name));
      }
    }
    return total;
  }

  QueryMeasure fragment(const std::string& name) {
    const auto memo = fragments_.find(name);
    if (memo != fragments_.end()) return memo->second;
    const auto f = std::find_if(document_.fragments.begin(), document_.fragments.end(),
                                [&](const FragmentDefinition& d) { return d.name == name; });
    if (f == document_.fragments.end() || !open_.insert(name).second) return {};  // unknown, or a cycle
    const QueryMeasure m = set(f->selection_set, schema_.find_type(f->type_condition));
    open_.erase(name);
    fragments_.emplace(name, m);
    return m;
  }

  QueryMeasure field(const Field& f, const NamedType* parent) {
    const FieldDef* def = parent ? schema_.selectable_field(*parent, f.name) : nullptr;
    if (def && (def->binding.kind == Binding::Kind::kSchema || def->binding.kind == Binding::Kind::kType)) {
      return {};  // introspection: bounded by max_introspection_depth and the schema's size
    }
    const QueryMeasure inner = set(f.selection_set, def ? schema_.find_type(def->type.named_type()) : nullptr);
    QueryMeasure m;
    m.depth = inner.depth + 1;
    m.aliases = inner.aliases + (f.alias ? 1 : 0);
    const std::uint64_t each = saturating_add(1, inner.cost);
    const InputValue* first = def ? def->argument("first") : nullptr;
    m.cost = first ? saturating_multiply(page_size(f, *first), each) : each;
    return m;
  }

  // The `first` a field will run with: the literal, else the variable's value, else its
  // default, else the argument's default; below 1 counts as 1 (execution refuses it anyway).
  std::uint64_t page_size(const Field& f, const InputValue& first) const {
    std::optional<std::int64_t> n;
    const auto literal = [](const Value& v) -> std::optional<std::int64_t> {
      if (const auto* i = std::get_if<IntValue>(&v.kind)) return i->value;
      return std::nullopt;
    };
    const auto arg =
        std::find_if(f.arguments.begin(), f.arguments.end(), [](const Argument& a) { return a.name == "first"; });
    if (arg != f.arguments.end()) {
      if (const auto* var = std::get_if<Variable>(&arg->value.kind)) {
        const auto given = variables_.find(var->name);
        if (given != variables_.end() && given->value().is_int64()) {
          n = given->value().as_int64();
        } else if (given != variables_.end() && given->value().is_uint64()) {
          n = static_cast<std::int64_t>(std::min<std::uint64_t>(given->value().as_uint64(), kSaturated));
        } else if (given != variables_.end() && given->value().is_double()) {
          // JSON's 50.0 is the Int 50 to input coercion; anything else execution refuses.
          const double d = given->value().as_double();
          if (d == std::floor(d) && d >= 1)
            n = d >= static_cast<double>(kSaturated) ? static_cast<std::int64_t>(kSaturated)
                                                     : static_cast<std::int64_t>(d);
        } else if (given == variables_.end()) {
          for (const auto& v : operation_.variables) {
            if (v.name == var->name && v.default_value) n = literal(*v.default_value);
          }
        }
      } else {
        n = literal(arg->value);
      }
    }
    if (!n && first.default_value) n = literal(*first.default_value);
    if (!n || *n < 1) return 1;
    return static_cast<std::uint64_t>(std::min<std::int64_t>(*n, static_cast<std::int64_t>(kSaturated)));
  }

  const Document& document_;
  const OperationDefinition& operation_;
  const Schema& schema_;
  const VariableValues& variables_;
  std::map<std::string, QueryMeasure, std::less<>> fragments_;
  std::set<std::string, std::less<>> open_;
};

}  // namespace

std::vector<GraphqlError> validate(const Document& document, const Schema& schema, const RequestLimits& limits) {
  return Validator(document, schema, limits).run();
}

OperationChoice select_operation(const Document& document, std::optional<std::string_view> operation_name) {
  OperationChoice choice;
  if (!operation_name) {
    if (document.operations.size() == 1) {
      choice.operation = &document.operations.front();
    } else {
      choice.error = GraphqlError{document.operations.empty()
                                      ? "Must provide an operation."
                                      : "Must provide operation name if query contains multiple operations.",
                                  {}};
    }
    return choice;
  }
  for (const auto& op : document.operations) {
    if (op.name == *operation_name) {
      choice.operation = &op;
      return choice;
    }
  }
  choice.error = GraphqlError{"Unknown operation named " + quoted(*operation_name) + ".", {}};
  return choice;
}

QueryMeasure measure(const Document& document, const OperationDefinition& operation, const Schema& schema,
                     const VariableValues& variables) {
  return Measurer(document, operation, schema, variables).run();
}

std::vector<GraphqlError> check_limits(const Document& document, const OperationDefinition& operation,
                                       const Schema& schema, const VariableValues& variables,
                                       const RequestLimits& limits) {
  const QueryMeasure m = measure(document, operation, schema, variables);
  std::vector<GraphqlError> errors;
  if (m.depth > limits.max_depth) {
    errors.push_back(GraphqlError{
        "Query depth " + std::to_string(m.depth) + " exceeds the limit of " + std::to_string(limits.max_depth),
        {operation.location}});
  }
  if (m.cost > limits.max_cost) {
    errors.push_back(GraphqlError{
        "Query cost " + std::to_string(m.cost) + " exceeds the limit of " + std::to_string(limits.max_cost),
        {operation.location}});
  }
  if (m.aliases > limits.max_aliases) {
    errors.push_back(GraphqlError{
        "Query aliases " + std::to_string(m.aliases) + " exceed the limit of " + std::to_string(limits.max_aliases),
        {operation.location}});
  }
  return errors;
}

}  // namespace keel::graphql
