#include "graphql/lexer.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "core/text_rules.hpp"

namespace keel::graphql {
namespace {

bool is_digit(int c) noexcept { return c >= '0' && c <= '9'; }
bool is_name_start(int c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_continue(int c) noexcept { return is_name_start(c) || is_digit(c); }

int hex_value(int c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// SourceCharacter (spec §2.1) leaves out the C0 controls but tab, LF and CR.
bool is_control(int c) noexcept { return c >= 0 && c < 0x20 && c != '\t' && c != '\n' && c != '\r'; }

bool is_surrogate(std::uint32_t cp) noexcept { return cp >= 0xd800 && cp <= 0xdfff; }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

bool is_white_space(char c) noexcept { return c == ' ' || c == '\t'; }

}  // namespace

std::string describe(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEnd:
      return "<EOF>";
    case TokenKind::kBang:
      return "\"!\"";
    case TokenKind::kDollar:
      return "\"$\"";
    case TokenKind::kAmp:
      return "\"&\"";
    case TokenKind::kParenL:
      return "\"(\"";
    case TokenKind::kParenR:
      return "\")\"";
    case TokenKind::kSpread:
      return "\"...\"";
    case TokenKind::kColon:
      return "\":\"";
    case TokenKind::kEquals:
      return "\"=\"";
    case TokenKind::kAt:
      return "\"@\"";
    case TokenKind::kBracketL:
      return "\"[\"";
    case TokenKind::kBracketR:
      return "\"]\"";
    case TokenKind::kBraceL:
      return "\"{\"";
    case TokenKind::kPipe:
      return "\"|\"";
    case TokenKind::kBraceR:
      return "\"}\"";
    case TokenKind::kName:
      return "Name";
    case TokenKind::kInt:
      return "Int";
    case TokenKind::kFloat:
      return "Float";
    case TokenKind::kString:
      return "String";
    case TokenKind::kBlockString:
      return "BlockString";
  }
  return "<EOF>";
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kName:
    case TokenKind::kInt:
    case TokenKind::kFloat:
      return fmt::format("{} \"{}\"", describe(token.kind), token.text);
    case TokenKind::kString:
    case TokenKind::kBlockString:
      return fmt::format("{} \"{}\"", describe(token.kind), token.value);
    default:
      return describe(token.kind);
  }
}

Lexer::Lexer(std::string_view source) : source_(source) {
  // Checked once up front, so the rest of the lexer may step over whole characters blindly.
  for (std::size_t at = 0; at < source_.size();) {
    if (static_cast<unsigned char>(source_[at]) < 0x80) {
      ++at;
      continue;
    }
    const std::size_t length = utf8_sequence_length(source_.substr(at));
    if (length == 0) fail(at, fmt::format("Invalid UTF-8: byte 0x{:02X}.", static_cast<unsigned char>(source_[at])));
    at += length;
  }
}

int Lexer::byte_at(std::size_t at) const noexcept {
  return at < source_.size() ? static_cast<unsigned char>(source_[at]) : -1;
}

std::size_t Lexer::char_length(std::size_t at) const noexcept {
  const std::size_t length = utf8_sequence_length(source_.substr(at));
  return length == 0 ? 1 : length;
}

std::string Lexer::print_char(std::size_t at) const {
  if (at >= source_.size()) return "<EOF>";
  const int c = byte_at(at);
  if (c >= 0x20 && c <= 0x7e) return c == '"' ? "'\"'" : fmt::format("\"{}\"", static_cast<char>(c));
  std::uint32_t cp = static_cast<std::uint32_t>(c);
  const std::size_t length = char_length(at);
  if (length > 1) {
    cp &= 0xffu >> (length + 1);
    for (std::size_t i = 1; i < length; ++i) cp = (cp << 6) | (static_cast<unsigned char>(source_[at + i]) & 0x3f);
  }
  return fmt::format("U+{:04X}", cp);
}

Location Lexer::location_of(std::size_t offset) {
  assert(offset >= cursor_);  // tokens and errors only move forward
  for (; cursor_ < offset && cursor_ < source_.size(); ++cursor_) {
    const auto b = static_cast<unsigned char>(source_[cursor_]);
    if (b == '\n') {
      if (cursor_ == 0 || source_[cursor_ - 1] != '\r') ++line_;  // CRLF is one line end
      column_ = 1;
    } else if (b == '\r') {
      ++line_;
      column_ = 1;
    } else if ((b & 0xc0) != 0x80) {
      ++column_;  // a character's first byte
    }
  }
  return Location{line_, column_};
}

void Lexer::fail(std::size_t at, const std::string& description) {
  throw SyntaxError(description, location_of(at));
}

void Lexer::skip_ignored() {
  while (pos_ < source_.size()) {
    const char c = source_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
      ++pos_;
    } else if (source_.substr(pos_, 3) == "\xEF\xBB\xBF") {  // UnicodeBOM, ignored anywhere
      pos_ += 3;
    } else if (c == '#') {
      for (++pos_; pos_ < source_.size() && source_[pos_] != '\n' && source_[pos_] != '\r';) {
        if (is_control(byte_at(pos_))) fail(pos_, "Invalid character within comment: " + print_char(pos_) + ".");
        pos_ += char_length(pos_);
      }
    } else {
      return;
    }
  }
}

Token Lexer::next() {
  skip_ignored();
  const std::size_t start = pos_;
  Token token;
  token.location = location_of(start);
  if (start >= source_.size()) return token;

  auto punctuator = [&](TokenKind kind, std::size_t length) {
    token.kind = kind;
    token.text = source_.substr(start, length);
    pos_ = start + length;
    return token;
  };
  const int c = byte_at(start);
  switch (c) {
    case '!':
      return punctuator(TokenKind::kBang, 1);
    case '$':
      return punctuator(TokenKind::kDollar, 1);
    case '&':
      return punctuator(TokenKind::kAmp, 1);
    case '(':
      return punctuator(TokenKind::kParenL, 1);
    case ')':
      return punctuator(TokenKind::kParenR, 1);
    case ':':
      return punctuator(TokenKind::kColon, 1);
    case '=':
      return punctuator(TokenKind::kEquals, 1);
    case '@':
      return punctuator(TokenKind::kAt, 1);
    case '[':
      return punctuator(TokenKind::kBracketL, 1);
    case ']':
      return punctuator(TokenKind::kBracketR, 1);
    case '{':
      return punctuator(TokenKind::kBraceL, 1);
    case '|':
      return punctuator(TokenKind::kPipe, 1);
    case '}':
      return punctuator(TokenKind::kBraceR, 1);
    case '.':
      if (source_.substr(start, 3) == "...") return punctuator(TokenKind::kSpread, 3);
      break;
    case '"': {
      Token string = source_.substr(start, 3) == "\"\"\"" ? read_block_string(start) : read_string(start);
      string.location = token.location;
      return string;
    }
    case '\'':
      fail(start, "Unexpected single quote character ('), did you mean to use a double quote (\")?");
    default:
      break;
  }
  if (c == '-' || is_digit(c)) {
    Token number = read_number(start);
    number.location = token.location;
    return number;
  }
  if (is_name_start(c)) {
    std::size_t end = start + 1;
    while (is_name_continue(byte_at(end))) ++end;
    return punctuator(TokenKind::kName, end - start);
  }
  fail(start, "Unexpected character: " + print_char(start) + ".");
}

std::size_t Lexer::read_digits(std::size_t at) {
  if (!is_digit(byte_at(at))) fail(at, "Invalid number, expected digit but got: " + print_char(at) + ".");
  while (is_digit(byte_at(at))) ++at;
  return at;
}

// IntValue and FloatValue exactly as the grammar has them (§2.9.1–2.9.2): no leading zeros,
// digits on both sides of the point, and no `.` or name character right after the number.
Token Lexer::read_number(std::size_t start) {
  std::size_t at = start;
  bool is_float = false;
  if (byte_at(at) == '-') ++at;
  if (byte_at(at) == '0') {
    ++at;
    if (is_digit(byte_at(at))) fail(at, "Invalid number, unexpected digit after 0: " + print_char(at) + ".");
  } else {
    at = read_digits(at);
  }
  if (byte_at(at) == '.') {
    is_float = true;
    at = read_digits(at + 1);
  }
  if (byte_at(at) == 'e' || byte_at(at) == 'E') {
    is_float = true;
    ++at;
    if (byte_at(at) == '+' || byte_at(at) == '-') ++at;
    at = read_digits(at);
  }
  if (byte_at(at) == '.' || is_name_start(byte_at(at))) {
    fail(at, "Invalid number, expected digit but got: " + print_char(at) + ".");
  }
  Token token;
  token.kind = is_float ? TokenKind::kFloat : TokenKind::kInt;
  token.text = source_.substr(start, at - start);
  pos_ = at;
  return token;
}

Token Lexer::read_string(std::size_t start) {
  Token token;
  token.kind = TokenKind::kString;
  std::size_t at = start + 1;
  std::size_t chunk = at;  // start of the characters not yet copied to the value
  while (at < source_.size()) {
    const int c = byte_at(at);
    if (c == '"') {
      token.value.append(source_.substr(chunk, at - chunk));
      token.text = source_.substr(start, at + 1 - start);
      pos_ = at + 1;
      return token;
    }
    if (c == '\n' || c == '\r') break;
    if (c == '\\') {
      token.value.append(source_.substr(chunk, at - chunk));
      at = read_escape(at, token.value);
      chunk = at;
      continue;
    }
    if (is_control(c)) fail(at, "Invalid character within String: " + print_char(at) + ".");
    at += char_length(at);
  }
  fail(at, "Unterminated string.");
}

// `at` is a backslash; appends the escaped character to `out`, returns the offset after it.
std::size_t Lexer::read_escape(std::size_t at, std::string& out) {
  switch (byte_at(at + 1)) {
    case '"':
      out += '"';
      return at + 2;
    case '\\':
      out += '\\';
      return at + 2;
    case '/':
      out += '/';
      return at + 2;
    case 'b':
      out += '\b';
      return at + 2;
    case 'f':
      out += '\f';
      return at + 2;
    case 'n':
      out += '\n';
      return at + 2;
    case 'r':
      out += '\r';
      return at + 2;
    case 't':
      out += '\t';
      return at + 2;
    case 'u':
      return read_unicode_escape(at, out);
    default:
      break;
  }
  std::string escape = "\\";
  if (at + 1 < source_.size() && byte_at(at + 1) >= 0x20) escape.append(source_.substr(at + 1, char_length(at + 1)));
  fail(at, "Invalid character escape sequence: \"" + escape + "\".");
}

// `\uXXXX` (a UTF-16 pair of them for a character past U+FFFF) or `\u{X...}`; never a lone
// surrogate, which UTF-8 can't hold.
std::size_t Lexer::read_unicode_escape(std::size_t at, std::string& out) {
  // The escape as written up to `end`, cut before a quote or anything unprintable.
  auto invalid = [&](std::size_t end) {
    std::size_t shown = at + 1;
    while (shown < end && byte_at(shown) >= 0x20 && byte_at(shown) <= 0x7e && byte_at(shown) != '"') ++shown;
    fail(at, "Invalid Unicode escape sequence: \"" + std::string(source_.substr(at, shown - at)) + "\".");
  };
  auto fixed_width = [&](std::size_t from) -> int {  // the 4 hex digits at `from`, or -1
    int value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const int digit = hex_value(byte_at(from + i));
      if (digit < 0) return -1;
      value = value * 16 + digit;
    }
    return value;
  };

  if (byte_at(at + 2) == '{') {
    std::size_t end = at + 3;
    std::uint32_t cp = 0;
    bool too_big = false;
    for (; hex_value(byte_at(end)) >= 0; ++end) {
      cp = cp * 16 + static_cast<std::uint32_t>(hex_value(byte_at(end)));
      too_big = too_big || cp > 0x10ffff;
      if (too_big) cp = 0x110000;  // stays out of range without overflowing
    }
    if (byte_at(end) != '}' || end == at + 3 || too_big || is_surrogate(cp)) invalid(end + 1);
    append_utf8(out, cp);
    return end + 1;
  }

  const int unit = fixed_width(at + 2);
  if (unit < 0) invalid(at + 6);
  const auto cp = static_cast<std::uint32_t>(unit);
  if (!is_surrogate(cp)) {
    append_utf8(out, cp);
    return at + 6;
  }
  if (cp <= 0xdbff && byte_at(at + 6) == '\\' && byte_at(at + 7) == 'u') {
    const int trail = fixed_width(at + 8);
    if (trail >= 0xdc00 && trail <= 0xdfff) {
      append_utf8(out, 0x10000 + ((cp - 0xd800) << 10) + (static_cast<std::uint32_t>(trail) - 0xdc00));
      return at + 12;
    }
  }
  invalid(at + 6);
  return at + 6;  // not reached: invalid() throws
}

Token Lexer::read_block_string(std::size_t start) {
  Token token;
  token.kind = TokenKind::kBlockString;
  std::string raw;
  std::size_t at = start + 3;
  std::size_t chunk = at;
  while (at < source_.size()) {
    if (source_.substr(at, 3) == "\"\"\"") {
      raw.append(source_.substr(chunk, at - chunk));
      token.value = block_string_value(raw);
      token.text = source_.substr(start, at + 3 - start);
      pos_ = at + 3;
      return token;
    }
    if (source_.substr(at, 4) == "\\\"\"\"") {
      raw.append(source_.substr(chunk, at - chunk));
      raw += "\"\"\"";
      at += 4;
      chunk = at;
      continue;
    }
    if (is_control(byte_at(at))) fail(at, "Invalid character within String: " + print_char(at) + ".");
    at += char_length(at);
  }
  fail(at, "Unterminated string.");
}

std::string block_string_value(std::string_view raw) {
  std::vector<std::string_view> lines;
  for (std::size_t at = 0;;) {
    const std::size_t end = raw.find_first_of("\r\n", at);
    if (end == std::string_view::npos) {
      lines.push_back(raw.substr(at));
      break;
    }
    lines.push_back(raw.substr(at, end - at));
    at = end + (raw.substr(end, 2) == "\r\n" ? 2 : 1);
  }

  auto indent_of = [](std::string_view line) {
    std::size_t indent = 0;
    while (indent < line.size() && is_white_space(line[indent])) ++indent;
    return indent;
  };
  std::optional<std::size_t> common_indent;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t indent = indent_of(lines[i]);
    if (indent < lines[i].size() && (!common_indent || indent < *common_indent)) common_indent = indent;
  }
  if (common_indent) {
    for (std::size_t i = 1; i < lines.size(); ++i) lines[i].remove_prefix(std::min(*common_indent, lines[i].size()));
  }

  auto blank = [&](std::string_view line) { return indent_of(line) == line.size(); };
  std::size_t first = 0;
  std::size_t last = lines.size();
  while (first < last && blank(lines[first])) ++first;
  while (last > first && blank(lines[last - 1])) --last;

  std::string formatted;
  for (std::size_t i = first; i < last; ++i) {
    if (i > first) formatted += '\n';
    formatted.append(lines[i]);
  }
  return formatted;
}

}  // namespace keel::graphql
