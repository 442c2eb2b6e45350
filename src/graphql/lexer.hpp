#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "graphql/ast.hpp"
#include "graphql/syntax_error.hpp"

namespace keel::graphql {

/// The lexical tokens of GraphQL (spec §2.1.6–2.1.9): the punctuators, Name, IntValue,
/// FloatValue and the two forms of StringValue; kEnd after the last one.
enum class TokenKind {
  kEnd,
  kBang,
  kDollar,
  kAmp,
  kParenL,
  kParenR,
  kSpread,
  kColon,
  kEquals,
  kAt,
  kBracketL,
  kBracketR,
  kBraceL,
  kPipe,
  kBraceR,
  kName,
  kInt,
  kFloat,
  kString,
  kBlockString,
};

/// One token: its kind, where it starts, its source text, and a string's decoded value.
struct Token {
  TokenKind kind = TokenKind::kEnd;
  Location location;
  std::string_view text;  // as written (a string with its quotes); empty for kEnd
  std::string value;      // kString, kBlockString: the value (UTF-8, escapes decoded, block dedented)
};

/// How graphql-js names a kind in messages: `"{"` for a punctuator, else `Name`, `Int`, ...,
/// `<EOF>`.
std::string describe(TokenKind kind);

/// How graphql-js names a token in messages: the kind and, for names, numbers and strings, its
/// value in quotes (`Name "on"`, `"}"`, `<EOF>`).
std::string describe(const Token& token);

/// Splits GraphQL source into tokens, one at a time, skipping the ignored tokens (BOM, white
/// space, line terminators, commas, comments). The source must outlive the lexer.
class Lexer {
 public:
  /// Throws SyntaxError when `source` is not valid UTF-8.
  explicit Lexer(std::string_view source);

  /// The next token; kEnd at the end of the source, and again after it. Throws SyntaxError on a
  /// lexical error, located at the offending character.
  Token next();

 private:
  void skip_ignored();
  Token read_number(std::size_t start);
  Token read_string(std::size_t start);
  Token read_block_string(std::size_t start);
  std::size_t read_digits(std::size_t at);
  std::size_t read_escape(std::size_t at, std::string& out);
  std::size_t read_unicode_escape(std::size_t at, std::string& out);
  /// -1 past the end, else the byte at `at`.
  int byte_at(std::size_t at) const noexcept;
  /// Bytes of the (valid UTF-8) character at `at`.
  std::size_t char_length(std::size_t at) const noexcept;
  /// graphql-js's printCodePointAt: `"c"` for printable ASCII, `U+XXXX` otherwise, `<EOF>`.
  std::string print_char(std::size_t at) const;
  /// Where byte `offset` is; offsets asked for never decrease, so a whole pass costs O(size).
  Location location_of(std::size_t offset);
  [[noreturn]] void fail(std::size_t at, const std::string& description);

  std::string_view source_;
  std::size_t pos_ = 0;
  // The line/column cursor of location_of().
  std::size_t cursor_ = 0;
  int line_ = 1;
  int column_ = 1;
};

/// The spec's BlockStringValue(): the raw characters between `"""` and `"""` (with `\"""`
/// already unescaped) without their common indentation and without blank first and last lines;
/// lines joined with LF.
std::string block_string_value(std::string_view raw);

}  // namespace keel::graphql
