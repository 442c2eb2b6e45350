#include "graphql/parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "graphql/lexer.hpp"

namespace keel::graphql {
namespace {

// Names that start a type-system definition or extension (spec §3): never in a request.
constexpr std::array<std::string_view, 9> kTypeSystemKeywords = {
    "schema", "scalar", "type", "interface", "union", "enum", "input", "directive", "extend"};

constexpr std::string_view kOnlyExecutable =
    "only executable definitions (operations and fragments) are allowed in a request";

IntValue int_value(std::string_view text) {
  IntValue value{std::string(text), std::nullopt};
  std::int64_t parsed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec == std::errc() && end == text.data() + text.size()) value.value = parsed;
  return value;
}

FloatValue float_value(std::string_view text) {
  FloatValue value{std::string(text), 0};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value.value);
  if (ec == std::errc::result_out_of_range) {
    // The lexer's grammar is from_chars's, so the only failure is range: a huge exponent
    // overflows to infinity, a hugely negative one underflows to zero (the validator decides).
    const auto e = text.find_first_of("eE");
    const bool tiny = e != std::string_view::npos && text.substr(e + 1).starts_with('-');
    const double magnitude = tiny ? 0.0 : std::numeric_limits<double>::infinity();
    value.value = text.starts_with('-') ? -magnitude : magnitude;
  }
  return value;
}

// Recursive descent over the grammar of spec §2 (ExecutableDocument), one token of lookahead.
// Each recursion goes through a `{` or a `[`, and every one of those passes a Nesting, so the
// depth limit bounds the stack; the token limit bounds the time.
class Parser {
 public:
  Parser(std::string_view source, const ParseLimits& limits) : lexer_(source), limits_(limits) { advance(); }

  Document document() {
    Document document;
    do {
      definition(document);
    } while (!peek(TokenKind::kEnd));
    return document;
  }

 private:
  // One `{` or `[` open while it lives: refuses the one past the limit.
  class Nesting {
   public:
    explicit Nesting(Parser& parser) : parser_(parser) {
      if (++parser_.depth_ > parser_.limits_.max_depth) {
        throw SyntaxError(fmt::format("Document nests more than {} levels deep. Parsing aborted.",
                                      parser_.limits_.max_depth),
                          parser_.token_.location, true);
      }
    }
    ~Nesting() { --parser_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    Parser& parser_;
  };

  void advance() {
    token_ = lexer_.next();
    if (token_.kind != TokenKind::kEnd && ++tokens_ > limits_.max_tokens) {
      throw SyntaxError(fmt::format("Document contains more than {} tokens. Parsing aborted.", limits_.max_tokens),
                        token_.location, true);
    }
  }

  bool peek(TokenKind kind) const noexcept { return token_.kind == kind; }
  bool peek_keyword(std::string_view word) const noexcept {
    return token_.kind == TokenKind::kName && token_.text == word;
  }

  bool skip(TokenKind kind) {
    if (!peek(kind)) return false;
    advance();
    return true;
  }

  [[noreturn]] void unexpected() const { throw SyntaxError("Unexpected " + describe(token_) + ".", token_.location); }

  void expect(TokenKind kind) {
    if (!peek(kind)) {
      throw SyntaxError("Expected " + describe(kind) + ", found " + describe(token_) + ".", token_.location);
    }
    advance();
  }

  void expect_keyword(std::string_view word) {
    if (!peek_keyword(word)) {
      throw SyntaxError(fmt::format("Expected \"{}\", found {}.", word, describe(token_)), token_.location);
    }
    advance();
  }

  std::string name() {
    std::string text(token_.text);
    expect(TokenKind::kName);
    return text;
  }

  // Definition: ExecutableDefinition only.
  void definition(Document& document) {
    if (peek(TokenKind::kBraceL) || peek_keyword("query") || peek_keyword("mutation") ||
        peek_keyword("subscription")) {
      document.operations.push_back(operation());
      return;
    }
    if (peek_keyword("fragment")) {
      document.fragments.push_back(fragment_definition());
      return;
    }
    // A description (a string before a definition) only ever starts a type-system definition.
    const bool type_system = peek(TokenKind::kString) || peek(TokenKind::kBlockString) ||
                             (peek(TokenKind::kName) && std::find(kTypeSystemKeywords.begin(), kTypeSystemKeywords.end(),
                                                                  token_.text) != kTypeSystemKeywords.end());
    if (type_system) {
      throw SyntaxError(fmt::format("Unexpected {}: {}.", describe(token_), kOnlyExecutable), token_.location);
    }
    unexpected();
  }

  OperationDefinition operation() {
    OperationDefinition op;
    op.location = token_.location;
    if (peek(TokenKind::kBraceL)) {
      op.selection_set = selection_set();
      return op;
    }
    if (peek_keyword("mutation")) op.operation = OperationType::kMutation;
    if (peek_keyword("subscription")) op.operation = OperationType::kSubscription;
    advance();
    if (peek(TokenKind::kName)) op.name = name();
    if (skip(TokenKind::kParenL)) {
      do {
        op.variables.push_back(variable_definition());
      } while (!skip(TokenKind::kParenR));
    }
    op.directives = directives(false);
    op.selection_set = selection_set();
    return op;
  }

  VariableDefinition variable_definition() {
    VariableDefinition definition;
    definition.location = token_.location;
    expect(TokenKind::kDollar);
    definition.name = name();
    expect(TokenKind::kColon);
    definition.type = type();
    if (skip(TokenKind::kEquals)) definition.default_value = value(true);
    definition.directives = directives(true);
    return definition;
  }

  // Type: NamedType, ListType or either followed by `!`.
  Type type() {
    Type type;
    type.location = token_.location;
    if (peek(TokenKind::kBracketL)) {
      const Nesting nesting(*this);
      advance();
      type.of_type = std::make_unique<Type>(this->type());
      expect(TokenKind::kBracketR);
    } else {
      type.name = name();
    }
    type.non_null = skip(TokenKind::kBang);
    return type;
  }

  std::vector<Directive> directives(bool is_const) {
    std::vector<Directive> list;
    while (peek(TokenKind::kAt)) {
      Directive directive;
      directive.location = token_.location;
      advance();
      directive.name = name();
      directive.arguments = arguments(is_const);
      list.push_back(std::move(directive));
    }
    return list;
  }

  std::vector<Argument> arguments(bool is_const) {
    std::vector<Argument> list;
    if (!skip(TokenKind::kParenL)) return list;
    do {
      Argument argument;
      argument.location = token_.location;
      argument.name = name();
      expect(TokenKind::kColon);
      argument.value = value(is_const);
      list.push_back(std::move(argument));
    } while (!skip(TokenKind::kParenR));
    return list;
  }

  std::vector<Selection> selection_set() {
    const Nesting nesting(*this);
    expect(TokenKind::kBraceL);
    std::vector<Selection> selections;
    do {
      selections.push_back(selection());
    } while (!skip(TokenKind::kBraceR));
    return selections;
  }

  Selection selection() { return peek(TokenKind::kSpread) ? fragment() : Selection(field()); }

  Field field() {
    Field field;
    field.location = token_.location;
    field.name = name();
    if (skip(TokenKind::kColon)) {
      field.alias = std::move(field.name);
      field.name = name();
    }
    field.arguments = arguments(false);
    field.directives = directives(false);
    if (peek(TokenKind::kBraceL)) field.selection_set = selection_set();
    return field;
  }

  // After `...`: a spread of a named fragment, or an inline fragment (`on Type` optional).
  Selection fragment() {
    const Location location = token_.location;
    expect(TokenKind::kSpread);
    const bool has_type_condition = peek_keyword("on");
    if (!has_type_condition && peek(TokenKind::kName)) {
      FragmentSpread spread;
      spread.location = location;
      spread.name = name();
      spread.directives = directives(false);
      return spread;
    }
    InlineFragment inline_fragment;
    inline_fragment.location = location;
    if (has_type_condition) {
      advance();
      inline_fragment.type_condition_location = token_.location;
      inline_fragment.type_condition = name();
    }
    inline_fragment.directives = directives(false);
    inline_fragment.selection_set = selection_set();
    return inline_fragment;
  }

  FragmentDefinition fragment_definition() {
    FragmentDefinition fragment;
    fragment.location = token_.location;
    expect_keyword("fragment");
    if (peek_keyword("on")) unexpected();  // FragmentName: Name but not `on`
    fragment.name = name();
    expect_keyword("on");
    fragment.type_condition_location = token_.location;
    fragment.type_condition = name();
    fragment.directives = directives(false);
    fragment.selection_set = selection_set();
    return fragment;
  }

  // Value[Const]: a constant value (a default value, an argument of a variable definition's
  // directive) may not hold a variable.
  Value value(bool is_const) {
    Value value;
    value.location = token_.location;
    switch (token_.kind) {
      case TokenKind::kBracketL: {
        const Nesting nesting(*this);
        advance();
        ListValue list;
        while (!skip(TokenKind::kBracketR)) list.values.push_back(this->value(is_const));
        value.kind = std::move(list);
        return value;
      }
      case TokenKind::kBraceL: {
        const Nesting nesting(*this);
        advance();
        ObjectValue object;
        while (!skip(TokenKind::kBraceR)) {
          ObjectField field;
          field.location = token_.location;
          field.name = name();
          expect(TokenKind::kColon);
          field.value = this->value(is_const);
          object.fields.push_back(std::move(field));
        }
        value.kind = std::move(object);
        return value;
      }
      case TokenKind::kInt:
        value.kind = int_value(token_.text);
        break;
      case TokenKind::kFloat:
        value.kind = float_value(token_.text);
        break;
      case TokenKind::kString:
      case TokenKind::kBlockString:
        value.kind = StringValue{std::move(token_.value), token_.kind == TokenKind::kBlockString};
        break;
      case TokenKind::kName:
        if (token_.text == "true" || token_.text == "false") {
          value.kind = BooleanValue{token_.text == "true"};
        } else if (token_.text == "null") {
          value.kind = NullValue{};
        } else {
          value.kind = EnumValue{std::string(token_.text)};
        }
        break;
      case TokenKind::kDollar: {
        advance();
        if (is_const) {
          throw SyntaxError(peek(TokenKind::kName)
                                ? fmt::format("Unexpected variable \"${}\" in constant value.", token_.text)
                                : "Unexpected " + describe(TokenKind::kDollar) + ".",
                            value.location);
        }
        value.kind = Variable{name()};
        return value;
      }
      default:
        unexpected();
    }
    advance();
    return value;
  }

  Lexer lexer_;
  const ParseLimits& limits_;
  Token token_;
  std::size_t tokens_ = 0;
  std::size_t depth_ = 0;
};

}  // namespace

Document parse(std::string_view source, const ParseLimits& limits) {
  if (source.size() > limits.max_bytes) {
    throw SyntaxError(fmt::format("Document is larger than {} bytes.", limits.max_bytes), Location{}, true);
  }
  return Parser(source, limits).document();
}

}  // namespace keel::graphql
