#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "graphql/ast.hpp"
#include "graphql/errors.hpp"
#include "graphql/parser.hpp"
#include "graphql/schema.hpp"

// Validation of a parsed request against the schema, before anything runs: the executable-
// definition rules of the GraphQL spec (§5, October 2021 edition) with graphql-js's messages,
// then the limits of API.md §13 on the operation to run (docs/graphql.md defines them).

namespace keel::graphql {

/// Default RequestLimits::max_depth: levels of fields, a root field being level 1.
inline constexpr std::size_t kDefaultMaxQueryDepth = 10;
/// Default RequestLimits::max_cost: nodes, multiplied by `first` (docs/graphql.md).
inline constexpr std::uint64_t kDefaultMaxQueryCost = 10'000;
/// Default RequestLimits::max_aliases: aliased fields in the operation, fragments expanded.
inline constexpr std::size_t kDefaultMaxAliases = 100;
/// Default RequestLimits::max_introspection_depth: nested `fields`, `inputFields`,
/// `interfaces` and `possibleTypes` under `__schema` or `__type` (graphql-js 16.9's
/// MaxIntrospectionDepthRule refuses 3).
inline constexpr std::size_t kDefaultMaxIntrospectionDepth = 2;
/// Default RequestLimits::max_errors: validation stops after this many errors.
inline constexpr std::size_t kDefaultMaxValidationErrors = 100;

/// The bounds a request must keep: the parser's (size, tokens, nesting), and the validator's.
struct RequestLimits {
  ParseLimits parse;
  std::size_t max_depth = kDefaultMaxQueryDepth;
  std::uint64_t max_cost = kDefaultMaxQueryCost;
  std::size_t max_aliases = kDefaultMaxAliases;
  std::size_t max_introspection_depth = kDefaultMaxIntrospectionDepth;
  std::size_t max_errors = kDefaultMaxValidationErrors;
};

/// The request's `variables`: values by name, as JSON.
using VariableValues = boost::json::object;

/// Checks a document against the schema by every executable-definition rule of the spec (§5),
/// plus keel's: no subscriptions (use /api/realtime), introspection at most
/// `limits.max_introspection_depth` lists deep. Returns the errors, code VALIDATION_ERROR, in
/// document order per rule (at most `limits.max_errors`, the last then saying so); empty when
/// the document is valid. Never throws for any document the parser returns.
std::vector<GraphqlError> validate(const Document& document, const Schema& schema, const RequestLimits& limits = {});

/// The operation a request runs, or why there is none.
struct OperationChoice {
  const OperationDefinition* operation = nullptr;  // null: `error` says why
  std::optional<GraphqlError> error;               // code VALIDATION_ERROR, graphql-js's message
};

/// Picks the operation of `document` named `operation_name`, or its only operation when no name
/// is given (GraphQL over HTTP's `operationName`): "Must provide operation name if query contains
/// multiple operations.", "Unknown operation named "X".", "Must provide an operation.".
OperationChoice select_operation(const Document& document, std::optional<std::string_view> operation_name);

/// What check_limits measured, for logs and tests.
struct QueryMeasure {
  std::size_t depth = 0;
  std::uint64_t cost = 0;  // saturates far above any limit
  std::size_t aliases = 0;
};

/// Measures `operation` (of `document`, which validate() accepted) with its fragments expanded:
/// depth, cost and aliases as docs/graphql.md defines them; `first` taken from a literal, else
/// from `variables`, else from the variable's default, else from the argument's default.
QueryMeasure measure(const Document& document, const OperationDefinition& operation, const Schema& schema,
                     const VariableValues& variables);

/// The limits of API.md §13 on `operation`: an error (code VALIDATION_ERROR, at the operation)
/// for each of depth, cost and aliases over `limits`, e.g. "Query depth 12 exceeds the limit of
/// 10". Empty: the operation may run.
std::vector<GraphqlError> check_limits(const Document& document, const OperationDefinition& operation,
                                       const Schema& schema, const VariableValues& variables,
                                       const RequestLimits& limits = {});

}  // namespace keel::graphql
