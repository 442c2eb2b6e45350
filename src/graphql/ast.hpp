#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// The syntax tree of an executable GraphQL document (spec §2, October 2021 edition). Plain
// structs: the parser fills them, the validator and the executor read them. Every node keeps
// where it starts in the source, for error messages. Names are kept as written.

namespace keel::graphql {

/// A place in the source: 1-based line and column. Columns count Unicode characters (a tab is
/// one); CR, LF and CRLF each end a line.
struct Location {
  int line = 1;
  int column = 1;
  bool operator==(const Location&) const = default;
};

struct Value;

/// `$name` used as a value.
struct Variable {
  std::string name;  // without the `$`
};

/// An IntValue as written, and its value when it fits in 64 bits (GraphQL's Int is 32-bit: the
/// validator checks the range).
struct IntValue {
  std::string text;
  std::optional<std::int64_t> value;
};

/// A FloatValue as written, and its value (±infinity or 0 when out of a double's range).
struct FloatValue {
  std::string text;
  double value = 0;
};

/// A StringValue, decoded to UTF-8; `block` for a `"""block string"""` (already dedented).
struct StringValue {
  std::string value;
  bool block = false;
};

/// `true` or `false`.
struct BooleanValue {
  bool value = false;
};

/// `null`.
struct NullValue {};

/// A name other than true, false and null, used as a value.
struct EnumValue {
  std::string name;
};

/// `[value, ...]`, possibly empty.
struct ListValue {
  std::vector<Value> values;
};

struct ObjectField;

/// `{name: value, ...}`, possibly empty; fields in source order, duplicates kept (the
/// validator refuses them).
struct ObjectValue {
  std::vector<ObjectField> fields;
};

/// Any input value, where it starts, and which kind it is.
struct Value {
  Location location;
  std::variant<NullValue, Variable, IntValue, FloatValue, StringValue, BooleanValue, EnumValue, ListValue,
               ObjectValue>
      kind;
};

/// One `name: value` of an ObjectValue.
struct ObjectField {
  Location location;
  std::string name;
  Value value;
};

/// A type reference: a named type (`Int`) or a list of a type (`[Int]`), either non-null (`!`).
struct Type {
  Location location;
  std::string name;               // the named type; empty for a list type
  std::unique_ptr<Type> of_type;  // the item type of a list type; null for a named type
  bool non_null = false;

  bool is_list() const noexcept { return of_type != nullptr; }
};

/// `name: value` in a field's or a directive's arguments.
struct Argument {
  Location location;
  std::string name;
  Value value;
};

/// `@name(arguments)`.
struct Directive {
  Location location;
  std::string name;
  std::vector<Argument> arguments;
};

struct Field;
struct FragmentSpread;
struct InlineFragment;

/// One entry of a selection set.
using Selection = std::variant<Field, FragmentSpread, InlineFragment>;

/// `alias: name(arguments) @directives { selections }`; no selection set is an empty vector
/// (the grammar never allows an empty `{}`).
struct Field {
  Location location;
  std::optional<std::string> alias;
  std::string name;
  std::vector<Argument> arguments;
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;

  /// The key of this field in the response: the alias, else the name.
  const std::string& response_key() const noexcept { return alias ? *alias : name; }
};

/// `...Name @directives`.
struct FragmentSpread {
  Location location;
  std::string name;
  std::vector<Directive> directives;
};

/// `... on Type @directives { selections }`, the type condition being optional.
struct InlineFragment {
  Location location;
  std::optional<std::string> type_condition;
  Location type_condition_location;  // of the type's name, when there is a condition
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;
};

/// query, mutation or subscription.
enum class OperationType { kQuery, kMutation, kSubscription };

/// `$name: Type = default @directives` in an operation's variable definitions.
struct VariableDefinition {
  Location location;
  std::string name;  // without the `$`
  Type type;
  std::optional<Value> default_value;  // a constant value: never holds a Variable
  std::vector<Directive> directives;   // constant arguments only
};

/// `query Name($vars) @directives { selections }`, or the shorthand `{ selections }` (an
/// anonymous query).
struct OperationDefinition {
  Location location;
  OperationType operation = OperationType::kQuery;
  std::optional<std::string> name;
  std::vector<VariableDefinition> variables;
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;
};

/// `fragment Name on Type @directives { selections }`.
struct FragmentDefinition {
  Location location;
  std::string name;
  std::string type_condition;
  Location type_condition_location;  // of the type's name
  std::vector<Directive> directives;
  std::vector<Selection> selection_set;
};

/// An executable document: its operations and its fragments, each in source order (at least
/// one definition in all).
struct Document {
  std::vector<OperationDefinition> operations;
  std::vector<FragmentDefinition> fragments;
};

/// "query", "mutation" or "subscription".
std::string_view to_string(OperationType type) noexcept;

/// A type reference as GraphQL writes it, e.g. `[Int!]!`: for the AST's Type and the schema's
/// TypeRef alike (a name, or a list `of_type`, and `non_null`).
template <class T>
std::string type_text(const T& type) {
  std::string text;
  if (type.is_list()) {
    // Appended piece by piece: GCC 12 sees a false -Wrestrict in "[" + std::string&&.
    text += '[';
    text += type_text(*type.of_type);
    text += ']';
  } else {
    text = type.name;
  }
  if (type.non_null) text += '!';
  return text;
}

/// The type as GraphQL writes it, e.g. `[Int!]!`.
std::string to_string(const Type& type);

}  // namespace keel::graphql
