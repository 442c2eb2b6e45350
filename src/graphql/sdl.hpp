#pragma once

#include <string>
#include <string_view>

#include "graphql/ast.hpp"
#include "graphql/schema.hpp"

namespace keel::graphql {

/// The schema in GraphQL SDL, in the style of graphql-js's printSchema (v16): types sorted by
/// name (bytewise), the built-in scalars left out, descriptions as block strings, arguments on
/// one line, default values and @specifiedBy printed; a `schema { ... }` block only when the
/// root types are not named Query and Mutation. No trailing newline. npm graphql's buildSchema
/// reads it back.
std::string print_schema(const Schema& schema);

/// A constant value as GraphQL writes it (graphql-js's print): `20`, `"text"`, `[A, B]`, `{a: 1}`.
std::string print_value(const Value& value);

/// A string literal with graphql-js's escapes (`"a\"b\n"`).
std::string print_string(std::string_view value);

/// A description as graphql-js prints it at `indentation`: a block string when it can be one
/// (over 70 characters or several lines: on lines of its own), else a quoted string.
std::string print_description(std::string_view description, std::string_view indentation);

}  // namespace keel::graphql
