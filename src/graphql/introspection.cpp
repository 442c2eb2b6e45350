#include "graphql/introspection.hpp"

#include <utility>

#include <boost/json/array.hpp>

#include "graphql/sdl.hpp"

namespace keel::graphql {
namespace {

InputValue input(std::string name, TypeRef type, std::string description = {}) {
  InputValue v;
  v.name = std::move(name);
  v.type = std::move(type);
  v.description = std::move(description);
  return v;
}

// `includeDeprecated: Boolean = false`: keel deprecates nothing, but clients send it.
InputValue include_deprecated() {
  InputValue v = input("includeDeprecated", named("Boolean"));
  v.default_value = Value{{}, BooleanValue{false}};
  return v;
}

FieldDef field(std::string name, TypeRef type, std::string description = {}, std::vector<InputValue> arguments = {}) {
  FieldDef f;
  f.name = std::move(name);
  f.type = std::move(type);
  f.description = std::move(description);
  f.arguments = std::move(arguments);
  return f;  // kProperty: the executor serves introspection as values keyed by field name
}

NamedType object(std::string name, std::string description, std::vector<FieldDef> fields) {
  NamedType t;
  t.kind = TypeKind::kObject;
  t.name = std::move(name);
  t.description = std::move(description);
  t.fields = std::move(fields);
  t.built_in = true;
  return t;
}

NamedType enumeration(std::string name, std::string description,
                      std::vector<std::pair<std::string, std::string>> values) {
  NamedType t;
  t.kind = TypeKind::kEnum;
  t.name = std::move(name);
  t.description = std::move(description);
  for (auto& [value, about] : values) t.values.push_back(EnumValueDef{std::move(value), std::move(about), {}});
  t.built_in = true;
  return t;
}

TypeRef nn(const char* name) { return non_null(named(name)); }
TypeRef list_nn(const char* name) { return list_of(non_null(named(name))); }

}  // namespace

std::vector<NamedType> introspection_types() {
  std::vector<NamedType> types;
  types.push_back(object(
      "__Schema",
      "A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types and directives on "
      "the server, as well as the entry points for query, mutation, and subscription operations.",
      {
          field("description", named("String")),
          field("types", non_null(list_nn("__Type")), "A list of all types supported by this server."),
          field("queryType", nn("__Type"), "The type that query operations will be rooted at."),
          field("mutationType", named("__Type"),
                "If this server supports mutation, the type that mutation operations will be rooted at."),
          field("subscriptionType", named("__Type"),
                "If this server support subscription, the type that subscription operations will be rooted at."),
          field("directives", non_null(list_nn("__Directive")), "A list of all directives supported by this server."),
      }));
  types.push_back(object(
      "__Type",
      "The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in GraphQL as represented "
      "by the `__TypeKind` enum.\n\nDepending on the kind of a type, certain fields describe information about that "
      "type. Scalar types provide no information beyond a name, description and optional `specifiedByURL`, while Enum "
      "types provide their values. Object and Interface types provide the fields they describe. Abstract types, Union "
      "and Interface, provide the Object types possible at runtime. List and NonNull types compose other types.",
      {
          field("kind", nn("__TypeKind")),
          field("name", named("String")),
          field("description", named("String")),
          field("specifiedByURL", named("String")),
          field("fields", list_nn("__Field"), {}, {include_deprecated()}),
          field("interfaces", list_nn("__Type")),
          field("possibleTypes", list_nn("__Type")),
          field("enumValues", list_nn("__EnumValue"), {}, {include_deprecated()}),
          field("inputFields", list_nn("__InputValue"), {}, {include_deprecated()}),
          field("ofType", named("__Type")),
      }));
  types.push_back(object("__Field",
                         "Object and Interface types are described by a list of Fields, each of which has a name, "
                         "potentially a list of arguments, and a return type.",
                         {
                             field("name", nn("String")),
                             field("description", named("String")),
                             field("args", non_null(list_nn("__InputValue")), {}, {include_deprecated()}),
                             field("type", nn("__Type")),
                             field("isDeprecated", nn("Boolean")),
                             field("deprecationReason", named("String")),
                         }));
  types.push_back(object(
      "__InputValue",
      "Arguments provided to Fields or Directives and the input fields of an InputObject are represented as Input "
      "Values which describe their type and optionally a default value.",
      {
          field("name", nn("String")),
          field("description", named("String")),
          field("type", nn("__Type")),
          field("defaultValue", named("String"),
                "A GraphQL-formatted string representing the default value for this input value."),
          field("isDeprecated", nn("Boolean")),
          field("deprecationReason", named("String")),
      }));
  types.push_back(object("__EnumValue",
                         "One possible value for a given Enum. Enum values are unique values, not a placeholder for a "
                         "string or numeric value. However an Enum value is returned in a JSON response as a string.",
                         {
                             field("name", nn("String")),
                             field("description", named("String")),
                             field("isDeprecated", nn("Boolean")),
                             field("deprecationReason", named("String")),
                         }));
  types.push_back(object(
      "__Directive",
      "A Directive provides a way to describe alternate runtime execution and type validation behavior in a GraphQL "
      "document.\n\nIn some cases, you need to provide options to alter GraphQL's execution behavior in ways field "
      "arguments will not suffice, such as conditionally including or skipping a field. Directives provide this by "
      "describing additional information to the executor.",
      {
          field("name", nn("String")),
          field("description", named("String")),
          field("isRepeatable", nn("Boolean")),
          field("locations", non_null(list_nn("__DirectiveLocation"))),
          field("args", non_null(list_nn("__InputValue")), {}, {include_deprecated()}),
      }));
  types.push_back(enumeration(
      "__TypeKind", "An enum describing what kind of type a given `__Type` is.",
      {
          {"SCALAR", "Indicates this type is a scalar."},
          {"OBJECT", "Indicates this type is an object. `fields` and `interfaces` are valid fields."},
          {"INTERFACE",
           "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields."},
          {"UNION", "Indicates this type is a union. `possibleTypes` is a valid field."},
          {"ENUM", "Indicates this type is an enum. `enumValues` is a valid field."},
          {"INPUT_OBJECT", "Indicates this type is an input object. `inputFields` is a valid field."},
          {"LIST", "Indicates this type is a list. `ofType` is a valid field."},
          {"NON_NULL", "Indicates this type is a non-null. `ofType` is a valid field."},
      }));
  types.push_back(enumeration(
      "__DirectiveLocation",
      "A Directive can be adjacent to many parts of the GraphQL language, a __DirectiveLocation describes one such "
      "possible adjacencies.",
      {
          {"QUERY", "Location adjacent to a query operation."},
          {"MUTATION", "Location adjacent to a mutation operation."},
          {"SUBSCRIPTION", "Location adjacent to a subscription operation."},
          {"FIELD", "Location adjacent to a field."},
          {"FRAGMENT_DEFINITION", "Location adjacent to a fragment definition."},
          {"FRAGMENT_SPREAD", "Location adjacent to a fragment spread."},
          {"INLINE_FRAGMENT", "Location adjacent to an inline fragment."},
          {"VARIABLE_DEFINITION", "Location adjacent to a variable definition."},
          {"SCHEMA", "Location adjacent to a schema definition."},
          {"SCALAR", "Location adjacent to a scalar definition."},
          {"OBJECT", "Location adjacent to an object type definition."},
          {"FIELD_DEFINITION", "Location adjacent to a field definition."},
          {"ARGUMENT_DEFINITION", "Location adjacent to an argument definition."},
          {"INTERFACE", "Location adjacent to an interface definition."},
          {"UNION", "Location adjacent to a union definition."},
          {"ENUM", "Location adjacent to an enum definition."},
          {"ENUM_VALUE", "Location adjacent to an enum value definition."},
          {"INPUT_OBJECT", "Location adjacent to an input object type definition."},
          {"INPUT_FIELD_DEFINITION", "Location adjacent to an input object field definition."},
      }));
  return types;
}

std::vector<DirectiveDef> specified_directives() {
  using L = DirectiveLocation;
  std::vector<DirectiveDef> directives;
  directives.push_back(
      DirectiveDef{"include",
                   "Directs the executor to include this field or fragment only when the `if` argument is true.",
                   {L::kField, L::kFragmentSpread, L::kInlineFragment},
                   {input("if", nn("Boolean"), "Included when true.")},
                   false});
  directives.push_back(
      DirectiveDef{"skip",
                   "Directs the executor to skip this field or fragment when the `if` argument is true.",
                   {L::kField, L::kFragmentSpread, L::kInlineFragment},
                   {input("if", nn("Boolean"), "Skipped when true.")},
                   false});
  InputValue reason = input("reason", named("String"),
                            "Explains why this element was deprecated, usually also with a reference to a new element "
                            "or field. Formatted using the Markdown syntax, as specified by "
                            "[CommonMark](https://commonmark.org/).");
  reason.default_value = Value{{}, StringValue{"No longer supported", false}};
  directives.push_back(
      DirectiveDef{"deprecated",
                   "Marks an element of a GraphQL schema as no longer supported.",
                   {L::kFieldDefinition, L::kArgumentDefinition, L::kInputFieldDefinition, L::kEnumValue},
                   {std::move(reason)},
                   false});
  directives.push_back(DirectiveDef{"specifiedBy",
                                    "Exposes a URL that specifies the behavior of this scalar.",
                                    {L::kScalar},
                                    {input("url", nn("String"), "The URL that specifies the behavior of this scalar.")},
                                    false});
  return directives;
}

namespace {

namespace json = boost::json;

json::value text_or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

json::value type_json(const TypeRef& type) {
  if (!type.non_null && !type.is_list()) return json::value(type.name);
  json::object wrapper{{"kind", type.non_null ? "NON_NULL" : "LIST"}, {"name", nullptr}, {"description", nullptr},
                       {"specifiedByURL", nullptr}, {"fields", nullptr}, {"interfaces", nullptr},
                       {"possibleTypes", nullptr}, {"enumValues", nullptr}, {"inputFields", nullptr}};
  wrapper["ofType"] = type.non_null ? type_json(type.nullable()) : type_json(*type.of_type);
  return wrapper;
}

json::object input_json(const InputValue& v) {
  return {{"name", v.name},
          {"description", text_or_null(v.description)},
          {"type", type_json(v.type)},
          {"defaultValue", v.default_value ? json::value(print_value(*v.default_value)) : json::value(nullptr)},
          {"isDeprecated", false},
          {"deprecationReason", nullptr}};
}

json::array inputs_json(const std::vector<InputValue>& values) {
  json::array out;
  for (const InputValue& v : values) out.push_back(input_json(v));
  return out;
}

json::object named_type_json(const NamedType& t) {
  json::object out{{"kind", to_string(t.kind)}, {"name", t.name}, {"description", text_or_null(t.description)},
                   {"specifiedByURL", text_or_null(t.specified_by_url)}, {"fields", nullptr},
                   {"interfaces", nullptr}, {"possibleTypes", nullptr}, {"enumValues", nullptr},
                   {"inputFields", nullptr}, {"ofType", nullptr}};
  if (t.kind == TypeKind::kObject) {
    json::array fields;
    for (const FieldDef& f : t.fields) {
      fields.push_back(json::object{{"name", f.name},
                                    {"description", text_or_null(f.description)},
                                    {"args", inputs_json(f.arguments)},
                                    {"type", type_json(f.type)},
                                    {"isDeprecated", false},
                                    {"deprecationReason", nullptr}});
    }
    out["fields"] = std::move(fields);
    out["interfaces"] = json::array();
  } else if (t.kind == TypeKind::kEnum) {
    json::array values;
    for (const EnumValueDef& v : t.values) {
      values.push_back(json::object{{"name", v.name},
                                    {"description", text_or_null(v.description)},
                                    {"isDeprecated", false},
                                    {"deprecationReason", nullptr}});
    }
    out["enumValues"] = std::move(values);
  } else if (t.kind == TypeKind::kInputObject) {
    out["inputFields"] = inputs_json(t.input_fields);
  }
  return out;
}

}  // namespace

IntrospectionData introspection_data(const Schema& schema) {
  IntrospectionData out;
  json::array names;
  for (const auto& [name, type] : schema.types()) {
    out.types[name] = named_type_json(type);
    names.push_back(json::value(name));
  }
  json::array directives;
  for (const DirectiveDef& d : schema.directives()) {
    json::array locations;
    for (DirectiveLocation l : d.locations) locations.push_back(json::value(to_string(l)));
    directives.push_back(json::object{{"name", d.name},
                                      {"description", text_or_null(d.description)},
                                      {"isRepeatable", d.repeatable},
                                      {"locations", std::move(locations)},
                                      {"args", inputs_json(d.arguments)}});
  }
  out.schema = json::object{{"description", nullptr},
                {"types", std::move(names)},
                {"queryType", schema.query_type()},
                {"mutationType", text_or_null(schema.mutation_type())},
                {"subscriptionType", nullptr},
                {"directives", std::move(directives)}};
  return out;
}

}  // namespace keel::graphql
