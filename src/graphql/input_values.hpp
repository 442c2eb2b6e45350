#pragma once

#include <optional>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "graphql/ast.hpp"
#include "graphql/errors.hpp"
#include "graphql/schema.hpp"

// Input values as execution sees them (spec §6.1.2 CoerceVariableValues and §6.4.1
// CoerceArgumentValues, October 2021 edition): the request's JSON `variables` coerced to the
// operation's variable types, and each field's arguments, literals and variables alike, turned
// into JSON of the argument's type with defaults filled in. Enum values become their names,
// IDs strings, BigInt and Int whole numbers.

namespace keel::graphql {

/// The operation's variables coerced from the request's JSON (defaults where one is absent), or
/// every coercion error (code VALIDATION_ERROR, located at the variable's definition) with
/// graphql-js's wording, e.g. `Variable "$n" got invalid value "x"; Int cannot represent
/// non-integer value: "x"`. Never throws for values the validator let through.
struct CoercedVariables {
  boost::json::object values;
  std::vector<GraphqlError> errors;
};
CoercedVariables coerce_variables(const Schema& schema, const OperationDefinition& operation,
                                  const boost::json::object& given);

/// A field's (or a directive's) arguments as JSON by name, from the document's literals and the
/// coerced variables; an argument absent (or a variable not given) takes its default, else is
/// left out. Assumes the document validated.
boost::json::object argument_values(const Schema& schema, const std::vector<InputValue>& definitions,
                                    const std::vector<Argument>& arguments, const boost::json::object& variables);

/// A constant value (a default) as JSON of `type`.
boost::json::value constant_value(const Schema& schema, const Value& value, const TypeRef& type);

}  // namespace keel::graphql
