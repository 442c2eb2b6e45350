#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graphql/ast.hpp"

// The type system keel serves (spec §3, October 2021 edition), as plain data: named types of
// kind SCALAR, OBJECT, INPUT_OBJECT and ENUM (keel needs no interfaces or unions), with their
// fields, arguments, input fields and enum values, in a Schema that holds them by name. The
// builder (schema_builder.hpp) fills it from the resources file; the SDL printer, the validator,
// the executor and introspection read it. Fields carry a Binding that says what keel does to
// resolve them, so nothing downstream has to parse a generated name.

namespace keel::graphql {

/// The kind of a named type (introspection's __TypeKind, less INTERFACE, UNION, LIST, NON_NULL).
enum class TypeKind { kScalar, kObject, kInputObject, kEnum };

/// "SCALAR", "OBJECT", "INPUT_OBJECT" or "ENUM", as introspection spells it.
std::string_view to_string(TypeKind kind) noexcept;

/// A reference to a type: a named type (`Task`), a list of a type (`[Task]`), either non-null
/// (`!`). Copyable; list items are shared, never changed.
struct TypeRef {
  std::string name;                        // the named type; empty for a list type
  std::shared_ptr<const TypeRef> of_type;  // a list's item type; null for a named type
  bool non_null = false;

  bool is_list() const noexcept { return of_type != nullptr; }
  /// The named type at the bottom of any lists (`Task` for `[Task!]!`).
  const std::string& named_type() const noexcept;
  /// The same reference without its outer `!`.
  TypeRef nullable() const;
  /// Deep equality (`[Int!]` == `[Int!]`).
  bool operator==(const TypeRef& other) const noexcept;
};

/// A reference to the named type `name`.
TypeRef named(std::string name);
/// A list of `item`.
TypeRef list_of(TypeRef item);
/// `type` made non-null (unchanged when it is already).
TypeRef non_null(TypeRef type);
/// The type as GraphQL writes it, e.g. `[Task!]!`.
std::string to_string(const TypeRef& type);
/// The schema's form of a type written in a document (a variable's type).
TypeRef type_ref(const Type& type);

/// An argument of a field, or a field of an input object (spec's __InputValue).
struct InputValue {
  std::string name;
  std::string description;           // empty: none
  TypeRef type;
  std::optional<Value> default_value;  // a constant value of `type`
};

/// What keel does to resolve an object field. The executor switches on it; the names in it are
/// the resources file's own (resource and field names), never generated GraphQL names.
struct Binding {
  enum class Kind {
    kProperty,  // the parent's value under the field's name (record keys, user keys, page parts)
    kRef,       // the record a ref field of the parent points to: resource = the referenced
                // resource, field = the parent's ref field
    kReverse,   // the records of `resource` whose ref `field` points to the parent (a connection)
    kRecord,    // Query: one record of `resource` by id
    kList,      // Query: a page of `resource` (a connection)
    kCreate,    // Mutation: create a record of `resource`
    kUpdate,    // Mutation: partial update of a record of `resource`
    kDelete,    // Mutation: delete a record of `resource`
    kMe,        // Query: the signed-in user
    kUsers,     // Query: a page of users (admins)
    kTypename,  // `__typename`, on every object type: the parent's type name
    kSchema,    // Query.__schema: the schema itself, as a __Schema
    kType,      // Query.__type(name:): the named type, as a __Type, or null
  };
  Kind kind = Kind::kProperty;
  std::string resource;  // the resource whose records the field yields ("users" for kUsers)
  std::string field;     // kRef, kReverse: the ref field
};

/// A field of an object type (spec's __Field).
struct FieldDef {
  std::string name;
  std::string description;  // empty: none
  std::vector<InputValue> arguments;
  TypeRef type;
  Binding binding;

  /// The argument of this name, or null.
  const InputValue* argument(std::string_view name) const noexcept;
};

/// For a value of a sort enum (`PRIORITY_DESC`): the list column and direction it stands for.
struct SortBinding {
  std::string column;  // the API name of the column, e.g. "priority", "createdAt"
  bool descending = false;
};

/// A value of an enum type (spec's __EnumValue). Values of a field's enum are the declared
/// values as they are (the REST value); sort values carry their column.
struct EnumValueDef {
  std::string name;
  std::string description;  // empty: none
  std::optional<SortBinding> sort;
};

/// A named type. Only the members of its kind are used: `fields` (object), `input_fields`
/// (input object), `values` (enum), `specified_by_url` (scalar).
struct NamedType {
  TypeKind kind = TypeKind::kScalar;
  std::string name;
  std::string description;  // empty: none
  std::vector<FieldDef> fields;
  std::vector<InputValue> input_fields;
  std::vector<EnumValueDef> values;
  std::string specified_by_url;  // a custom scalar's @specifiedBy; empty: none
  bool built_in = false;         // ID, String, Int, Float, Boolean: never printed in SDL

  /// The object field of this name, or null.
  const FieldDef* field(std::string_view name) const noexcept;
  /// The input field of this name, or null.
  const InputValue* input_field(std::string_view name) const noexcept;
  /// The enum value of this name, or null.
  const EnumValueDef* value(std::string_view name) const noexcept;
};

/// Where a directive may appear (spec's __DirectiveLocation), in the spec's order.
enum class DirectiveLocation {
  kQuery,
  kMutation,
  kSubscription,
  kField,
  kFragmentDefinition,
  kFragmentSpread,
  kInlineFragment,
  kVariableDefinition,
  kSchema,
  kScalar,
  kObject,
  kFieldDefinition,
  kArgumentDefinition,
  kInterface,
  kUnion,
  kEnum,
  kEnumValue,
  kInputObject,
  kInputFieldDefinition,
};

/// "QUERY", "FIELD", "INPUT_FIELD_DEFINITION"…, as introspection spells it.
std::string_view to_string(DirectiveLocation location) noexcept;

/// A directive the schema knows (spec's __Directive).
struct DirectiveDef {
  std::string name;  // without the `@`
  std::string description;
  std::vector<DirectiveLocation> locations;
  std::vector<InputValue> arguments;
  bool repeatable = false;

  /// The argument of this name, or null.
  const InputValue* argument(std::string_view name) const noexcept;
};

/// A whole type system: the named types, ordered by name (bytewise) for stable output, and the
/// root operation types. Holds from the start what every GraphQL schema has: the five built-in
/// scalars, the introspection types (`__Schema`, `__Type`, …, all `built_in`) and the directives
/// `@include`, `@skip`, `@deprecated` and `@specifiedBy`.
class Schema {
 public:
  Schema();

  /// Adds a named type; throws std::invalid_argument when a type of that name exists already.
  void add_type(NamedType type);
  /// Sets the root types by name (an empty mutation name: no mutations).
  void set_roots(std::string query, std::string mutation);

  /// The type of this name, or null.
  const NamedType* find_type(std::string_view name) const noexcept;
  /// The field `field` of object type `type`, or null (also when `type` is no object type).
  const FieldDef* field_of(std::string_view type, std::string_view field) const noexcept;
  /// The field a selection of `name` on object type `parent` means: one of its fields, or an
  /// introspection meta-field (`__typename` on every object type, `__schema` and `__type` on the
  /// query root), which introspection does not list among the type's fields. Null: none.
  const FieldDef* selectable_field(const NamedType& parent, std::string_view name) const noexcept;
  /// The directive of this name (without `@`), or null.
  const DirectiveDef* find_directive(std::string_view name) const noexcept;
  /// Every directive, the built-in ones first (@include, @skip, @deprecated, @specifiedBy).
  const std::vector<DirectiveDef>& directives() const noexcept { return directives_; }
  /// Every type, by name.
  const std::map<std::string, NamedType, std::less<>>& types() const noexcept { return types_; }
  /// The query root type's name ("Query").
  const std::string& query_type() const noexcept { return query_; }
  /// The mutation root type's name ("Mutation"), or empty when there is none.
  const std::string& mutation_type() const noexcept { return mutation_; }

  /// Whether values of this type may be input (scalar, enum, input object, lists of them);
  /// false for a name that is not a type.
  bool is_input_type(const TypeRef& type) const noexcept;
  /// Whether it may be a field's type (scalar, object, enum, lists of them).
  bool is_output_type(const TypeRef& type) const noexcept;

 private:
  std::map<std::string, NamedType, std::less<>> types_;
  std::vector<DirectiveDef> directives_;
  FieldDef typename_field_;
  FieldDef schema_field_;
  FieldDef type_field_;
  std::string query_;
  std::string mutation_;
};

/// Whether `name` is a GraphQL Name: /[_A-Za-z][_0-9A-Za-z]*/.
bool is_name(std::string_view name) noexcept;

/// What is wrong with a schema, in the spirit of graphql-js's validateSchema: root types that
/// are missing or not objects, references to unknown types, input types where output types
/// belong and the reverse, empty objects, inputs and enums, names that are invalid, start with
/// `__` or appear twice in one type, enum values named true/false/null, default values that
/// don't fit their type. Empty when the schema is sound.
std::vector<std::string> schema_problems(const Schema& schema);

}  // namespace keel::graphql
