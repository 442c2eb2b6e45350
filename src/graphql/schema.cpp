#include "graphql/schema.hpp"

#include "graphql/introspection.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>

namespace keel::graphql {
namespace {

template <class T>
const T* by_name(const std::vector<T>& items, std::string_view name) noexcept {
  for (const auto& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

NamedType built_in_scalar(std::string name, std::string description) {
  NamedType t;
  t.kind = TypeKind::kScalar;
  t.name = std::move(name);
  t.description = std::move(description);
  t.built_in = true;
  return t;
}

bool fits(const Schema& schema, const Value& value, const TypeRef& type, int depth);

bool fits_named(const Schema& schema, const Value& value, const NamedType& type, int depth) {
  const auto& v = value.kind;
  switch (type.kind) {
    case TypeKind::kScalar: {
      const auto* i = std::get_if<IntValue>(&v);
      if (type.name == "Int") {
        return i && i->value && *i->value >= INT32_MIN && *i->value <= INT32_MAX;
      }
      if (type.name == "BigInt") return i && i->value;
      if (type.name == "Float") return i || std::holds_alternative<FloatValue>(v);
      if (type.name == "String" || type.name == "DateTime") return std::holds_alternative<StringValue>(v);
      if (type.name == "Boolean") return std::holds_alternative<BooleanValue>(v);
      if (type.name == "ID") return i || std::holds_alternative<StringValue>(v);
      if (type.name == "JSON") return std::holds_alternative<ObjectValue>(v) || std::holds_alternative<ListValue>(v);
      return true;  // a custom scalar keel does not know: its own parser decides
    }
    case TypeKind::kEnum: {
      const auto* e = std::get_if<EnumValue>(&v);
      return e && type.value(e->name);
    }
    case TypeKind::kInputObject: {
      const auto* o = std::get_if<ObjectValue>(&v);
      if (!o) return false;
      std::set<std::string_view> seen;
      for (const auto& f : o->fields) {
        const InputValue* field = type.input_field(f.name);
        if (!field || !seen.insert(f.name).second || !fits(schema, f.value, field->type, depth + 1)) return false;
      }
      return std::all_of(type.input_fields.begin(), type.input_fields.end(), [&](const InputValue& f) {
        return !f.type.non_null || f.default_value || seen.count(f.name);
      });
    }
    case TypeKind::kObject:
      return false;
  }
  return false;
}

bool fits(const Schema& schema, const Value& value, const TypeRef& type, int depth) {
  if (depth > 32) return false;  // defaults are keel's own and shallow; this only bounds a mistake
  if (std::holds_alternative<Variable>(value.kind)) return false;
  if (std::holds_alternative<NullValue>(value.kind)) return !type.non_null;
  if (type.is_list()) {
    if (const auto* list = std::get_if<ListValue>(&value.kind)) {
      return std::all_of(list->values.begin(), list->values.end(),
                         [&](const Value& item) { return fits(schema, item, *type.of_type, depth + 1); });
    }
    return fits(schema, value, *type.of_type, depth + 1);  // input coercion wraps a single item
  }
  const NamedType* named_type = schema.find_type(type.name);
  return named_type && fits_named(schema, value, *named_type, depth);
}

// Problems of a name defined in a type (`where` names it for the message).
void check_name(std::vector<std::string>& problems, const std::string& name, const std::string& where) {
  if (!is_name(name)) problems.push_back(where + ": '" + name + "' is not a GraphQL name");
  else if (name.starts_with("__")) problems.push_back(where + ": '" + name + "' starts with __ (introspection's)");
}

void check_input_values(const Schema& schema, std::vector<std::string>& problems, const std::vector<InputValue>& values,
                        const std::string& where) {
  std::set<std::string_view> seen;
  for (const auto& v : values) {
    const std::string at = where + "." + v.name;
    check_name(problems, v.name, at);
    if (!seen.insert(v.name).second) problems.push_back(at + " is defined twice");
    if (!schema.find_type(v.type.named_type())) {
      problems.push_back(at + ": unknown type " + v.type.named_type());
    } else if (!schema.is_input_type(v.type)) {
      problems.push_back(at + ": " + to_string(v.type) + " is not an input type");
    } else if (v.default_value && !fits(schema, *v.default_value, v.type, 0)) {
      problems.push_back(at + ": the default value does not fit " + to_string(v.type));
    }
  }
}

}  // namespace

std::string_view to_string(TypeKind kind) noexcept {
  switch (kind) {
    case TypeKind::kScalar: return "SCALAR";
    case TypeKind::kObject: return "OBJECT";
    case TypeKind::kInputObject: return "INPUT_OBJECT";
    case TypeKind::kEnum: return "ENUM";
  }
  return "SCALAR";
}

const std::string& TypeRef::named_type() const noexcept { return is_list() ? of_type->named_type() : name; }

TypeRef TypeRef::nullable() const {
  TypeRef copy = *this;
  copy.non_null = false;
  return copy;
}

bool TypeRef::operator==(const TypeRef& other) const noexcept {
  if (non_null != other.non_null || is_list() != other.is_list()) return false;
  return is_list() ? *of_type == *other.of_type : name == other.name;
}

TypeRef named(std::string name) {
  TypeRef t;
  t.name = std::move(name);
  return t;
}

TypeRef list_of(TypeRef item) {
  TypeRef t;
  t.of_type = std::make_shared<const TypeRef>(std::move(item));
  return t;
}

TypeRef non_null(TypeRef type) {
  type.non_null = true;
  return type;
}

std::string to_string(const TypeRef& type) {
  return type_text(type);
}

TypeRef type_ref(const Type& type) {
  TypeRef t = type.is_list() ? list_of(type_ref(*type.of_type)) : named(type.name);
  t.non_null = type.non_null;
  return t;
}

std::string_view to_string(DirectiveLocation location) noexcept {
  switch (location) {
    case DirectiveLocation::kQuery: return "QUERY";
    case DirectiveLocation::kMutation: return "MUTATION";
    case DirectiveLocation::kSubscription: return "SUBSCRIPTION";
    case DirectiveLocation::kField: return "FIELD";
    case DirectiveLocation::kFragmentDefinition: return "FRAGMENT_DEFINITION";
    case DirectiveLocation::kFragmentSpread: return "FRAGMENT_SPREAD";
    case DirectiveLocation::kInlineFragment: return "INLINE_FRAGMENT";
    case DirectiveLocation::kVariableDefinition: return "VARIABLE_DEFINITION";
    case DirectiveLocation::kSchema: return "SCHEMA";
    case DirectiveLocation::kScalar: return "SCALAR";
    case DirectiveLocation::kObject: return "OBJECT";
    case DirectiveLocation::kFieldDefinition: return "FIELD_DEFINITION";
    case DirectiveLocation::kArgumentDefinition: return "ARGUMENT_DEFINITION";
    case DirectiveLocation::kInterface: return "INTERFACE";
    case DirectiveLocation::kUnion: return "UNION";
    case DirectiveLocation::kEnum: return "ENUM";
    case DirectiveLocation::kEnumValue: return "ENUM_VALUE";
    case DirectiveLocation::kInputObject: return "INPUT_OBJECT";
    case DirectiveLocation::kInputFieldDefinition: return "INPUT_FIELD_DEFINITION";
  }
  return "FIELD";
}

const InputValue* DirectiveDef::argument(std::string_view name) const noexcept { return by_name(arguments, name); }

const InputValue* FieldDef::argument(std::string_view name) const noexcept { return by_name(arguments, name); }

const FieldDef* NamedType::field(std::string_view name) const noexcept { return by_name(fields, name); }

const InputValue* NamedType::input_field(std::string_view name) const noexcept { return by_name(input_fields, name); }

const EnumValueDef* NamedType::value(std::string_view name) const noexcept { return by_name(values, name); }

Schema::Schema() {
  // The descriptions graphql-js gives the specified scalars, so introspection reads the same.
  add_type(built_in_scalar("ID", "The `ID` scalar type represents a unique identifier, often used to refetch an object "
                                 "or as key for a cache. The ID type appears in a JSON response as a String; however, "
                                 "it is not intended to be human-readable. When expected as an input type, any string "
                                 "(such as `\"4\"`) or integer (such as `4`) input value will be accepted as an ID."));
  add_type(built_in_scalar("String", "The `String` scalar type represents textual data, represented as UTF-8 character "
                                     "sequences. The String type is most often used by GraphQL to represent free-form "
                                     "human-readable text."));
  add_type(built_in_scalar("Int",
                           "The `Int` scalar type represents non-fractional signed whole numeric values. Int can "
                           "represent values between -(2^31) and 2^31 - 1."));
  add_type(built_in_scalar("Float", "The `Float` scalar type represents signed double-precision fractional values as "
                                    "specified by [IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point)."));
  add_type(built_in_scalar("Boolean", "The `Boolean` scalar type represents `true` or `false`."));
  for (auto& type : introspection_types()) add_type(std::move(type));
  directives_ = specified_directives();

  typename_field_.name = "__typename";
  typename_field_.description = "The name of the current Object type at runtime.";
  typename_field_.type = non_null(named("String"));
  typename_field_.binding.kind = Binding::Kind::kTypename;
  schema_field_.name = "__schema";
  schema_field_.description = "Access the current type schema of this server.";
  schema_field_.type = non_null(named("__Schema"));
  schema_field_.binding.kind = Binding::Kind::kSchema;
  type_field_.name = "__type";
  type_field_.description = "Request the type information of a single type.";
  type_field_.type = named("__Type");
  type_field_.arguments.push_back(InputValue{"name", {}, non_null(named("String")), std::nullopt});
  type_field_.binding.kind = Binding::Kind::kType;
}

const FieldDef* Schema::selectable_field(const NamedType& parent, std::string_view name) const noexcept {
  if (parent.kind != TypeKind::kObject) return nullptr;
  if (name == typename_field_.name) return &typename_field_;
  if (parent.name == query_) {
    if (name == schema_field_.name) return &schema_field_;
    if (name == type_field_.name) return &type_field_;
  }
  return parent.field(name);
}

const DirectiveDef* Schema::find_directive(std::string_view name) const noexcept { return by_name(directives_, name); }

void Schema::add_type(NamedType type) {
  if (types_.count(type.name)) throw std::invalid_argument("GraphQL type " + type.name + " is defined twice");
  std::string name = type.name;
  types_.emplace(std::move(name), std::move(type));
}

void Schema::set_roots(std::string query, std::string mutation) {
  query_ = std::move(query);
  mutation_ = std::move(mutation);
}

const NamedType* Schema::find_type(std::string_view name) const noexcept {
  const auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

const FieldDef* Schema::field_of(std::string_view type, std::string_view field) const noexcept {
  const NamedType* t = find_type(type);
  return t && t->kind == TypeKind::kObject ? t->field(field) : nullptr;
}

bool Schema::is_input_type(const TypeRef& type) const noexcept {
  const NamedType* t = find_type(type.named_type());
  return t && t->kind != TypeKind::kObject;
}

bool Schema::is_output_type(const TypeRef& type) const noexcept {
  const NamedType* t = find_type(type.named_type());
  return t && t->kind != TypeKind::kInputObject;
}

bool is_name(std::string_view name) noexcept {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::vector<std::string> schema_problems(const Schema& schema) {
  std::vector<std::string> problems;
  const auto root = [&](const std::string& name, const char* which) {
    const NamedType* t = schema.find_type(name);
    std::string problem = which;
    problem += " root type " + name;
    if (!t) problems.push_back(problem + " is not defined");
    else if (t->kind != TypeKind::kObject) problems.push_back(problem + " is not an object type");
  };
  if (schema.query_type().empty()) problems.emplace_back("the schema has no query root type");
  else root(schema.query_type(), "the query");
  if (!schema.mutation_type().empty()) root(schema.mutation_type(), "the mutation");

  for (const auto& [name, type] : schema.types()) {
    if (type.built_in) continue;  // the spec's own scalars and introspection types (named __…)
    check_name(problems, name, "type " + name);
    if (name != type.name) problems.push_back("type " + type.name + " is kept under the name " + name);
    switch (type.kind) {
      case TypeKind::kScalar:
        break;
      case TypeKind::kObject: {
        if (type.fields.empty()) problems.push_back("object type " + name + " has no fields");
        std::set<std::string_view> seen;
        for (const auto& f : type.fields) {
          const std::string at = name + "." + f.name;
          check_name(problems, f.name, at);
          if (!seen.insert(f.name).second) problems.push_back(at + " is defined twice");
          if (!schema.find_type(f.type.named_type())) {
            problems.push_back(at + ": unknown type " + f.type.named_type());
          } else if (!schema.is_output_type(f.type)) {
            problems.push_back(at + ": " + to_string(f.type) + " is not an output type");
          }
          check_input_values(schema, problems, f.arguments, at);
        }
        break;
      }
      case TypeKind::kInputObject:
        if (type.input_fields.empty()) problems.push_back("input type " + name + " has no fields");
        check_input_values(schema, problems, type.input_fields, name);
        break;
      case TypeKind::kEnum: {
        if (type.values.empty()) problems.push_back("enum type " + name + " has no values");
        std::set<std::string_view> seen;
        for (const auto& v : type.values) {
          const std::string at = name + "." + v.name;
          check_name(problems, v.name, at);
          if (v.name == "true" || v.name == "false" || v.name == "null") {
            problems.push_back(at + ": an enum value can't be " + v.name);
          }
          if (!seen.insert(v.name).second) problems.push_back(at + " is defined twice");
        }
        break;
      }
    }
  }
  return problems;
}

}  // namespace keel::graphql
