#pragma once

#include <cstddef>
#include <string_view>

#include "graphql/ast.hpp"
#include "graphql/syntax_error.hpp"

namespace keel::graphql {

/// Default ParseLimits::max_bytes: 64 KiB of source.
inline constexpr std::size_t kDefaultMaxSourceBytes = 64 * 1024;
/// Default ParseLimits::max_tokens (comments and other ignored tokens don't count).
inline constexpr std::size_t kDefaultMaxTokens = 10'000;
/// Default ParseLimits::max_depth: brackets open at once.
inline constexpr std::size_t kDefaultMaxDepth = 64;

/// Bounds on the work a document may cost the parser, checked while it parses: whatever the
/// input, parsing takes time linear in at most `max_bytes` and recursion at most `max_depth` deep.
struct ParseLimits {
  std::size_t max_bytes = kDefaultMaxSourceBytes;
  std::size_t max_tokens = kDefaultMaxTokens;
  /// `{` and `[` open at once: selection sets, list and object values, list types together.
  std::size_t max_depth = kDefaultMaxDepth;
};

/// Parses an executable document (spec §2, October 2021 edition, plus `\u{...}` escapes):
/// operations and fragments only, a type-system definition is a syntax error. Throws
/// SyntaxError, located, on a lexical or syntax error or when a limit is passed (over_limit()).
Document parse(std::string_view source, const ParseLimits& limits = {});

}  // namespace keel::graphql
