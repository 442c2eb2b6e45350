#pragma once

#include <string>
#include <vector>

#include "graphql/ast.hpp"
#include "graphql/syntax_error.hpp"

namespace keel::graphql {

/// The `extensions.code` of a request GraphQL refuses before running it (API.md §2 and §13).
inline constexpr const char* kValidationErrorCode = "VALIDATION_ERROR";
/// The `extensions.code` of a document that does not parse.
inline constexpr const char* kBadRequestCode = "BAD_REQUEST";

/// One entry of a response's `errors` array: the message, where in the document (may be empty)
/// and `extensions.code`, a code of API.md §2.
struct GraphqlError {
  std::string message;
  std::vector<Location> locations;
  std::string code = kValidationErrorCode;

  bool operator==(const GraphqlError&) const = default;
};

/// A syntax error as a response error (code BAD_REQUEST), located where the parser stopped.
inline GraphqlError to_graphql_error(const SyntaxError& error) {
  return GraphqlError{error.what(), {error.location()}, kBadRequestCode};
}

}  // namespace keel::graphql
