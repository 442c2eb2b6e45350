#pragma once

#include <stdexcept>
#include <string>

#include "graphql/ast.hpp"

namespace keel::graphql {

/// A document GraphQL can't read: a lexical or syntax error, or a limit of ParseLimits passed.
/// `what()` is the message the client sees, in graphql-js's shape
/// (`Syntax Error: Expected Name, found "}".`), and location() where it is.
class SyntaxError : public std::runtime_error {
 public:
  /// `description` gets the "Syntax Error: " prefix; `over_limit` when a ParseLimits bound, not
  /// the grammar, refused the document.
  SyntaxError(const std::string& description, Location location, bool over_limit = false)
      : std::runtime_error("Syntax Error: " + description), location_(location), over_limit_(over_limit) {}

  /// Where the error is (1:1 for a document over the size limit).
  Location location() const noexcept { return location_; }
  /// True when the document passed a ParseLimits bound (size, tokens, nesting).
  bool over_limit() const noexcept { return over_limit_; }

 private:
  Location location_;
  bool over_limit_;
};

}  // namespace keel::graphql
