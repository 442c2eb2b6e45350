#include "graphql/lexer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace keel::graphql {
namespace {

std::vector<Token> lex(std::string_view source) {
  Lexer lexer(source);
  std::vector<Token> tokens;
  for (Token token = lexer.next(); token.kind != TokenKind::kEnd; token = lexer.next()) tokens.push_back(token);
  return tokens;
}

Token only_token(std::string_view source) {
  const auto tokens = lex(source);
  EXPECT_EQ(tokens.size(), 1u) << source;
  return tokens.empty() ? Token{} : tokens.front();
}

// The error lexing `source` gives: its message and where it is.
struct LexError {
  std::string message;
  Location location;
};

LexError lex_error(std::string_view source) {
  try {
    lex(source);
  } catch (const SyntaxError& e) {
    EXPECT_FALSE(e.over_limit());
    return {e.what(), e.location()};
  }
  ADD_FAILURE() << "no error for: " << source;
  return {};
}

struct ErrorCase {
  std::string source;
  std::string message;
  int line;
  int column;
};

void expect_errors(const std::vector<ErrorCase>& cases) {
  for (const auto& c : cases) {
    const LexError error = lex_error(c.source);
    EXPECT_EQ(error.message, c.message) << c.source;
    EXPECT_EQ(error.location, (Location{c.line, c.column})) << c.source << ": " << error.message;
  }
}

TEST(GraphqlLexer, ReadsEveryPunctuator) {
  const auto tokens = lex("! $ & ( ) ... : = @ [ ] { | }");
  const std::vector<TokenKind> kinds = {
      TokenKind::kBang,   TokenKind::kDollar,   TokenKind::kAmp,      TokenKind::kParenL, TokenKind::kParenR,
      TokenKind::kSpread, TokenKind::kColon,    TokenKind::kEquals,   TokenKind::kAt,     TokenKind::kBracketL,
      TokenKind::kBracketR, TokenKind::kBraceL, TokenKind::kPipe,     TokenKind::kBraceR};
  ASSERT_EQ(tokens.size(), kinds.size());
  for (std::size_t i = 0; i < kinds.size(); ++i) EXPECT_EQ(tokens[i].kind, kinds[i]) << i;
  EXPECT_EQ(tokens[5].text, "...");
  EXPECT_EQ(tokens[5].location, (Location{1, 11}));
}

TEST(GraphqlLexer, ReadsNames) {
  const auto tokens = lex("_ a Z _under_score name123 on0");
  ASSERT_EQ(tokens.size(), 6u);
  for (const auto& token : tokens) EXPECT_EQ(token.kind, TokenKind::kName);
  EXPECT_EQ(tokens[3].text, "_under_score");
  EXPECT_EQ(tokens[4].text, "name123");
  EXPECT_EQ(tokens[5].text, "on0");
}

TEST(GraphqlLexer, SkipsWhiteSpaceCommasCommentsAndByteOrderMarks) {
  const auto tokens = lex("\xEF\xBB\xBF  a,b ,,, c\t# a comment, with { and } and é\n\xEF\xBB\xBF d #last");
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].text, "a");
  EXPECT_EQ(tokens[0].location, (Location{1, 4}));  // the BOM is one (ignored) character
  EXPECT_EQ(tokens[1].text, "b");
  EXPECT_EQ(tokens[2].text, "c");
  EXPECT_EQ(tokens[3].text, "d");
  EXPECT_EQ(tokens[3].location, (Location{2, 3}));
  EXPECT_TRUE(lex(" ,\n\t# only ignored tokens\r\n").empty());
}

TEST(GraphqlLexer, EndRepeatsAtTheEnd) {
  Lexer lexer("a");
  EXPECT_EQ(lexer.next().kind, TokenKind::kName);
  const Token end = lexer.next();
  EXPECT_EQ(end.kind, TokenKind::kEnd);
  EXPECT_EQ(end.location, (Location{1, 2}));
  EXPECT_EQ(lexer.next().kind, TokenKind::kEnd);
}

TEST(GraphqlLexer, LinesEndAtLfCrAndCrlfAndColumnsCountCharacters) {
  const auto lines = lex("a\nb\rc\r\nd\n\re\r\n\r\nf");
  const std::vector<Location> expected = {{1, 1}, {2, 1}, {3, 1}, {4, 1}, {6, 1}, {8, 1}};
  ASSERT_EQ(lines.size(), expected.size());
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i].location, expected[i]) << lines[i].text;

  const auto wide = lex("\"é😀\" \"x\"\n  \"€\" y");
  ASSERT_EQ(wide.size(), 4u);
  EXPECT_EQ(wide[1].location, (Location{1, 6}));  // characters of 2 and 4 bytes are a column each
  EXPECT_EQ(wide[2].location, (Location{2, 3}));
  EXPECT_EQ(wide[3].location, (Location{2, 7}));
}

TEST(GraphqlLexer, ReadsIntAndFloatValues) {
  struct Case {
    std::string source;
    TokenKind kind;
  };
  const std::vector<Case> cases = {
      {"0", TokenKind::kInt},          {"-0", TokenKind::kInt},         {"4", TokenKind::kInt},
      {"-4", TokenKind::kInt},         {"9007199254740993", TokenKind::kInt},
      {"4.123", TokenKind::kFloat},    {"-4.123", TokenKind::kFloat},   {"0.123", TokenKind::kFloat},
      {"123e4", TokenKind::kFloat},    {"123E4", TokenKind::kFloat},    {"123e-4", TokenKind::kFloat},
      {"123e+4", TokenKind::kFloat},   {"-1.123e4567", TokenKind::kFloat}, {"0e0", TokenKind::kFloat},
  };
  for (const auto& c : cases) {
    const Token token = only_token(c.source);
    EXPECT_EQ(token.kind, c.kind) << c.source;
    EXPECT_EQ(token.text, c.source);
  }
  // A number ends at a punctuator or ignored token.
  const auto tokens = lex("1,2]3}-4.5)");
  ASSERT_EQ(tokens.size(), 7u);
  EXPECT_EQ(tokens[5].text, "-4.5");
}

TEST(GraphqlLexer, RefusesNumbersOutsideTheGrammar) {
  expect_errors({
      {"00", "Syntax Error: Invalid number, unexpected digit after 0: \"0\".", 1, 2},
      {"-01", "Syntax Error: Invalid number, unexpected digit after 0: \"1\".", 1, 3},
      {"-", "Syntax Error: Invalid number, expected digit but got: <EOF>.", 1, 2},
      {"- 1", "Syntax Error: Invalid number, expected digit but got: \" \".", 1, 2},
      {"--1", "Syntax Error: Invalid number, expected digit but got: \"-\".", 1, 2},
      {"1.", "Syntax Error: Invalid number, expected digit but got: <EOF>.", 1, 3},
      {"1.}", "Syntax Error: Invalid number, expected digit but got: \"}\".", 1, 3},
      {"1.a", "Syntax Error: Invalid number, expected digit but got: \"a\".", 1, 3},
      {"1.5.3", "Syntax Error: Invalid number, expected digit but got: \".\".", 1, 4},
      {"0x1F", "Syntax Error: Invalid number, expected digit but got: \"x\".", 1, 2},
      {"123abc", "Syntax Error: Invalid number, expected digit but got: \"a\".", 1, 4},
      {"1_000", "Syntax Error: Invalid number, expected digit but got: \"_\".", 1, 2},
      {"1e", "Syntax Error: Invalid number, expected digit but got: <EOF>.", 1, 3},
      {"1e+", "Syntax Error: Invalid number, expected digit but got: <EOF>.", 1, 4},
      {"1.2e3.4", "Syntax Error: Invalid number, expected digit but got: \".\".", 1, 6},
      {"1.2e3e", "Syntax Error: Invalid number, expected digit but got: \"e\".", 1, 6},
      {"1é", "Syntax Error: Unexpected character: U+00E9.", 1, 2},
      {".5", "Syntax Error: Unexpected character: \".\".", 1, 1},
      {"+1", "Syntax Error: Unexpected character: \"+\".", 1, 1},
  });
}

TEST(GraphqlLexer, DecodesStrings) {
  struct Case {
    std::string source;
    std::string value;
  };
  const std::vector<Case> cases = {
      {R"("")", ""},
      {R"("simple")", "simple"},
      {R"(" white space ")", " white space "},
      {R"("quote \"")", "quote \""},
      {R"("escaped \n\r\b\t\f")", "escaped \n\r\b\t\f"},
      {R"("slashes \\ \/")", "slashes \\ /"},
      {R"("unicode \u1234\u5678\u90AB\uCDEF")", "unicode \u1234\u5678\u90AB\uCDEF"},
      {R"("caf\u00e9 \u00E9")", "café é"},
      {R"("\u{1F600} \u{1f600} \u{0000041}")", "😀 😀 A"},
      {R"("\u{10FFFF}")", "\U0010FFFF"},
      {R"("\uD83D\uDE00 pair")", "😀 pair"},
      {R"("\ud83d\ude00")", "😀"},
      {R"("\u0000")", std::string("\0", 1)},
      {"\"raw é 😀 \xEF\xBB\xBF and \t tab\"", "raw é 😀 \xEF\xBB\xBF and \t tab"},
      {R"("# not a comment, { not a brace")", "# not a comment, { not a brace"},
  };
  for (const auto& c : cases) {
    const Token token = only_token(c.source);
    EXPECT_EQ(token.kind, TokenKind::kString) << c.source;
    EXPECT_EQ(token.value, c.value) << c.source;
    EXPECT_EQ(token.text, c.source);
  }
}

TEST(GraphqlLexer, RefusesBadStrings) {
  expect_errors({
      {"\"", "Syntax Error: Unterminated string.", 1, 2},
      {"\"no end", "Syntax Error: Unterminated string.", 1, 8},
      {"\"multi\nline\"", "Syntax Error: Unterminated string.", 1, 7},
      {"\"multi\rline\"", "Syntax Error: Unterminated string.", 1, 7},
      {"\"bell \x07\"", "Syntax Error: Invalid character within String: U+0007.", 1, 7},
      {std::string("\"nul \0\"", 7), "Syntax Error: Invalid character within String: U+0000.", 1, 6},
      {"\"esc \x1B\"", "Syntax Error: Invalid character within String: U+001B.", 1, 6},
      {R"("bad \x esc")", R"(Syntax Error: Invalid character escape sequence: "\x".)", 1, 6},
      {R"("bad \é esc")", R"(Syntax Error: Invalid character escape sequence: "\é".)", 1, 6},
      {"\"bad \\", R"(Syntax Error: Invalid character escape sequence: "\".)", 1, 6},
      {R"("\u")", R"(Syntax Error: Invalid Unicode escape sequence: "\u".)", 1, 2},
      {R"("\u12")", R"(Syntax Error: Invalid Unicode escape sequence: "\u12".)", 1, 2},
      {R"("\u1 esc")", R"(Syntax Error: Invalid Unicode escape sequence: "\u1 es".)", 1, 2},
      {R"("\uXYZW")", R"(Syntax Error: Invalid Unicode escape sequence: "\uXYZW".)", 1, 2},
      {R"("\u{}")", R"(Syntax Error: Invalid Unicode escape sequence: "\u{}".)", 1, 2},
      {R"("\u{12")", R"(Syntax Error: Invalid Unicode escape sequence: "\u{12".)", 1, 2},
      {R"("\u{12 }")", R"(Syntax Error: Invalid Unicode escape sequence: "\u{12 ".)", 1, 2},
      {R"("\u{110000}")", R"(Syntax Error: Invalid Unicode escape sequence: "\u{110000}".)", 1, 2},
      {R"("\u{FFFFFFFFFFFF}")", R"(Syntax Error: Invalid Unicode escape sequence: "\u{FFFFFFFFFFFF}".)", 1, 2},
      {R"("\u{D800}")", R"(Syntax Error: Invalid Unicode escape sequence: "\u{D800}".)", 1, 2},
      {R"("a \uD800")", R"(Syntax Error: Invalid Unicode escape sequence: "\uD800".)", 1, 4},
      {R"("\uDE00\uD83D")", R"(Syntax Error: Invalid Unicode escape sequence: "\uDE00".)", 1, 2},
      {R"("\uD83D\u0041")", R"(Syntax Error: Invalid Unicode escape sequence: "\uD83D".)", 1, 2},
      {R"("\uD83D\uD83D")", R"(Syntax Error: Invalid Unicode escape sequence: "\uD83D".)", 1, 2},
      {R"("\uD83D\u{DE00}")", R"(Syntax Error: Invalid Unicode escape sequence: "\uD83D".)", 1, 2},
  });
}

TEST(GraphqlLexer, ReadsBlockStrings) {
  struct Case {
    std::string source;
    std::string value;
  };
  const std::vector<Case> cases = {
      {R"("""""")", ""},
      {R"("""simple""")", "simple"},
      {R"(""" white space """)", " white space "},
      {R"("""contains " quote""")", "contains \" quote"},
      {R"("""contains \""" triplequote""")", "contains \"\"\" triplequote"},
      {R"("""unescaped \n\r\b\t\f\u1234""")", "unescaped \\n\\r\\b\\t\\f\\u1234"},
      {R"("""slashes \\ \/""")", "slashes \\\\ \\/"},
      {"\"\"\"multi\nline\"\"\"", "multi\nline"},
      {"\"\"\"multi\rline\r\nnormalized\"\"\"", "multi\nline\nnormalized"},
      {"\"\"\"\n\n        spans\n          multiple\n            lines\n\n        \"\"\"",
       "spans\n  multiple\n    lines"},
      {"\"\"\"\n    Hello,\n      World!\n\n    Yours,\n      GraphQL.\n  \"\"\"",
       "Hello,\n  World!\n\nYours,\n  GraphQL."},
      {"\"\"\"first line kept\n    indented\n  less\"\"\"", "first line kept\n  indented\nless"},
      {"\"\"\"tab\tinside, and é 😀\"\"\"", "tab\tinside, and é 😀"},
  };
  for (const auto& c : cases) {
    const Token token = only_token(c.source);
    EXPECT_EQ(token.kind, TokenKind::kBlockString) << c.source;
    EXPECT_EQ(token.value, c.value) << c.source;
    EXPECT_EQ(token.text, c.source);
  }
  const auto tokens = lex("\"\"\"\n a\n\"\"\" after");  // lines inside a block string count
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[1].location, (Location{3, 5}));
}

TEST(GraphqlLexer, BlockStringValueFollowsTheSpec) {
  struct Case {
    std::string raw;
    std::string value;
  };
  const std::vector<Case> cases = {
      {"", ""},
      {"   ", ""},
      {"\n\n  \n", ""},
      {"  first\n  second", "  first\nsecond"},        // the first line keeps its indentation
      {"\n  a\n    b\n  c\n", "a\n  b\nc"},
      {"\n\t\ta\n\t\t\tb\n", "a\n\tb"},                 // tabs are white space too
      {"\n    a\n\n  \n    b\n", "a\n\n\nb"},           // blank lines don't set the indentation
      {"\n  a\n        \n  b", "a\n      \nb"},         // ... but lose the common part of it
      {"\r\n  a\r\n  b\r\n", "a\nb"},
      {"x\n  \n", "x"},
  };
  for (const auto& c : cases) EXPECT_EQ(block_string_value(c.raw), c.value) << c.raw;
}

TEST(GraphqlLexer, RefusesBadBlockStrings) {
  expect_errors({
      {R"(""")", "Syntax Error: Unterminated string.", 1, 4},
      {"\"\"\"no end\n\n", "Syntax Error: Unterminated string.", 3, 1},
      {R"("""escaped end \""")", "Syntax Error: Unterminated string.", 1, 20},
      {"\"\"\"bell \x07\"\"\"", "Syntax Error: Invalid character within String: U+0007.", 1, 9},
      {"\"\"\"\n\n  vt \x0B\"\"\"", "Syntax Error: Invalid character within String: U+000B.", 3, 6},
  });
}

TEST(GraphqlLexer, RefusesCharactersOutsideTheGrammar) {
  expect_errors({
      {"?", "Syntax Error: Unexpected character: \"?\".", 1, 1},
      {"a ~", "Syntax Error: Unexpected character: \"~\".", 1, 3},
      {"..", "Syntax Error: Unexpected character: \".\".", 1, 1},
      {"a . b", "Syntax Error: Unexpected character: \".\".", 1, 3},
      {"'single'", "Syntax Error: Unexpected single quote character ('), did you mean to use a double quote (\")?", 1,
       1},
      {"\x07", "Syntax Error: Unexpected character: U+0007.", 1, 1},
      {std::string("a\0", 2), "Syntax Error: Unexpected character: U+0000.", 1, 2},
      {"\n  \x7F", "Syntax Error: Unexpected character: U+007F.", 2, 3},
      {"é", "Syntax Error: Unexpected character: U+00E9.", 1, 1},
      {"a 😀", "Syntax Error: Unexpected character: U+1F600.", 1, 3},
      {"\xC2\xA0", "Syntax Error: Unexpected character: U+00A0.", 1, 1},  // no-break space is not white space
      {"# bell \x07 in a comment", "Syntax Error: Invalid character within comment: U+0007.", 1, 8},
  });
}

TEST(GraphqlLexer, RefusesSourceThatIsNotUtf8) {
  expect_errors({
      {"{ a }\xFF", "Syntax Error: Invalid UTF-8: byte 0xFF.", 1, 6},
      {"\"\xC3\"", "Syntax Error: Invalid UTF-8: byte 0xC3.", 1, 2},                // truncated
      {"# \xC0\xAF overlong", "Syntax Error: Invalid UTF-8: byte 0xC0.", 1, 3},
      {"a\n\"\xED\xA0\x80\"", "Syntax Error: Invalid UTF-8: byte 0xED.", 2, 2},      // a surrogate
      {"\"\xF4\x90\x80\x80\"", "Syntax Error: Invalid UTF-8: byte 0xF4.", 1, 2},     // past U+10FFFF
      {"é \x80", "Syntax Error: Invalid UTF-8: byte 0x80.", 1, 3},
  });
}

TEST(GraphqlLexer, DescribesTokensLikeGraphqlJs) {
  EXPECT_EQ(describe(TokenKind::kBraceR), "\"}\"");
  EXPECT_EQ(describe(TokenKind::kSpread), "\"...\"");
  EXPECT_EQ(describe(TokenKind::kName), "Name");
  EXPECT_EQ(describe(TokenKind::kEnd), "<EOF>");
  EXPECT_EQ(describe(only_token("on")), "Name \"on\"");
  EXPECT_EQ(describe(only_token("-1.5")), "Float \"-1.5\"");
  EXPECT_EQ(describe(only_token("42")), "Int \"42\"");
  EXPECT_EQ(describe(only_token(R"("a\tb")")), "String \"a\tb\"");
  EXPECT_EQ(describe(only_token(R"("""x""")")), "BlockString \"x\"");
  EXPECT_EQ(describe(only_token("&")), "\"&\"");
}

}  // namespace
}  // namespace keel::graphql
