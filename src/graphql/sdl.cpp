#include "graphql/sdl.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace keel::graphql {
namespace {

bool is_white_space(char c) { return c == ' ' || c == '\t'; }

// graphql-js's isPrintableAsBlockString: no control characters but tab and LF, no CR, no blank
// first or last line, and no indentation common to every line (a block string would lose it).
bool printable_as_block_string(std::string_view value) {
  if (value.empty()) return true;
  bool empty_line = true;
  bool has_indent = false;
  bool common_indent = true;
  bool seen_non_empty_line = false;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n') || c == '\r') return false;
    if (c == '\n') {
      if (empty_line && !seen_non_empty_line) return false;  // a leading blank line
      seen_non_empty_line = true;
      empty_line = true;
      has_indent = false;
    } else if (is_white_space(c)) {
      has_indent = has_indent || empty_line;
    } else {
      common_indent = common_indent && has_indent;
      empty_line = false;
    }
  }
  if (empty_line) return false;                    // a trailing blank line
  return !(common_indent && seen_non_empty_line);  // indentation on every line
}

std::size_t characters(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const auto at = s.find(from, start);
    if (at == std::string_view::npos) break;
    out.append(s.substr(start, at - start));
    out.append(to);
    start = at + from.size();
  }
  out.append(s.substr(start));
  return out;
}

// graphql-js's printBlockString (v16).
std::string print_block_string(std::string_view value) {
  const std::string escaped = replace_all(value, "\"\"\"", "\\\"\"\"");
  const bool single_line = escaped.find('\n') == std::string::npos;
  bool force_leading_newline = !single_line;
  // Forced when every line after the first is empty or indented (graphql-js's forceLeadingNewLine).
  for (std::size_t at = escaped.find('\n'); force_leading_newline && at != std::string::npos;
       at = escaped.find('\n', at + 1)) {
    const bool empty = at + 1 == escaped.size() || escaped[at + 1] == '\n';
    if (!empty && !is_white_space(escaped[at + 1])) force_leading_newline = false;
  }
  const bool trailing_triple_quotes = escaped.ends_with("\\\"\"\"");
  const bool trailing_quote = value.ends_with('"') && !trailing_triple_quotes;
  const bool force_trailing_newline = trailing_quote || value.ends_with('\\');
  const bool multiple_lines = !single_line || characters(value) > 70 || force_trailing_newline ||
                              force_leading_newline || trailing_triple_quotes;
  std::string out = "\"\"\"";
  const bool skip_leading_newline = single_line && !value.empty() && is_white_space(value[0]);
  if ((multiple_lines && !skip_leading_newline) || force_leading_newline) out += '\n';
  out += escaped;
  if (multiple_lines || force_trailing_newline) out += '\n';
  out += "\"\"\"";
  return out;
}

std::string description_of(std::string_view description, std::string_view indentation, bool first_in_block) {
  if (description.empty()) return {};
  const std::string printed =
      printable_as_block_string(description) ? print_block_string(description) : print_string(description);
  std::string out;
  if (!indentation.empty() && !first_in_block) out += '\n';
  out += indentation;
  std::string separator = "\n";
  separator += indentation;
  out += replace_all(printed, "\n", separator);
  out += '\n';
  return out;
}

std::string input_value(const InputValue& v) {
  std::string out = v.name;
  out += ": ";
  out += to_string(v.type);
  if (v.default_value) {
    out += " = ";
    out += print_value(*v.default_value);
  }
  return out;
}

// Arguments on one line when none has a description, else one per line (graphql-js's printArgs).
std::string arguments(const std::vector<InputValue>& args, std::string_view indentation) {
  if (args.empty()) return {};
  std::string out = "(";
  const bool described =
      std::any_of(args.begin(), args.end(), [](const InputValue& a) { return !a.description.empty(); });
  if (!described) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (i > 0) out += ", ";
      out += input_value(args[i]);
    }
    return out + ")";
  }
  std::string inner = "  ";
  inner += indentation;
  out += '\n';
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += '\n';
    out += description_of(args[i].description, inner, i == 0);
    out += inner;
    out += input_value(args[i]);
  }
  out += '\n';
  out += indentation;
  out += ')';
  return out;
}

std::string block(const std::vector<std::string>& items) {
  if (items.empty()) return {};
  std::string out = " {\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += '\n';
    out += items[i];
  }
  out += "\n}";
  return out;
}

std::string print_type(const NamedType& type) {
  std::string out = description_of(type.description, "", true);
  std::vector<std::string> items;
  switch (type.kind) {
    case TypeKind::kScalar:
      out += "scalar ";
      out += type.name;
      if (!type.specified_by_url.empty()) {
        out += fmt::format(" @specifiedBy(url: {})", print_string(type.specified_by_url));
      }
      return out;
    case TypeKind::kObject:
      out += "type ";
      for (std::size_t i = 0; i < type.fields.size(); ++i) {
        const FieldDef& f = type.fields[i];
        std::string item = description_of(f.description, "  ", i == 0);
        item += "  ";
        item += f.name;
        item += arguments(f.arguments, "  ");
        item += ": ";
        item += to_string(f.type);
        items.push_back(std::move(item));
      }
      break;
    case TypeKind::kInputObject:
      out += "input ";
      for (std::size_t i = 0; i < type.input_fields.size(); ++i) {
        std::string item = description_of(type.input_fields[i].description, "  ", i == 0);
        item += "  ";
        item += input_value(type.input_fields[i]);
        items.push_back(std::move(item));
      }
      break;
    case TypeKind::kEnum:
      out += "enum ";
      for (std::size_t i = 0; i < type.values.size(); ++i) {
        std::string item = description_of(type.values[i].description, "  ", i == 0);
        item += "  ";
        item += type.values[i].name;
        items.push_back(std::move(item));
      }
      break;
  }
  out += type.name;
  out += block(items);
  return out;
}

}  // namespace

std::string print_string(std::string_view value) {
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto u = static_cast<unsigned char>(value[i]);
    switch (value[i]) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\b': out += "\\b"; continue;
      case '\t': out += "\\t"; continue;
      case '\n': out += "\\n"; continue;
      case '\f': out += "\\f"; continue;
      case '\r': out += "\\r"; continue;
      default: break;
    }
    if (u < 0x20 || u == 0x7F) {
      out += fmt::format("\\u{:04X}", u);
    } else if (u == 0xC2 && i + 1 < value.size() && static_cast<unsigned char>(value[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(value[i + 1]) <= 0x9F) {
      // U+0080..U+009F, the C1 controls: escaped like graphql-js does.
      out += fmt::format("\\u{:04X}", static_cast<unsigned char>(value[i + 1]));
      ++i;
    } else {
      out += value[i];
    }
  }
  out += '"';
  return out;
}

std::string print_description(std::string_view description, std::string_view indentation) {
  return description_of(description, indentation, true);
}

std::string print_value(const Value& value) {
  struct Printer {
    std::string operator()(const NullValue&) const { return "null"; }
    std::string operator()(const Variable& v) const {
      std::string out = "$";
      out += v.name;
      return out;
    }
    std::string operator()(const IntValue& v) const { return v.text; }
    std::string operator()(const FloatValue& v) const { return v.text; }
    std::string operator()(const StringValue& v) const { return print_string(v.value); }
    std::string operator()(const BooleanValue& v) const { return v.value ? "true" : "false"; }
    std::string operator()(const EnumValue& v) const { return v.name; }
    std::string operator()(const ListValue& v) const {
      std::string out = "[";
      for (std::size_t i = 0; i < v.values.size(); ++i) {
        if (i > 0) out += ", ";
        out += print_value(v.values[i]);
      }
      out += ']';
      return out;
    }
    std::string operator()(const ObjectValue& v) const {
      std::string out = "{";
      for (std::size_t i = 0; i < v.fields.size(); ++i) {
        if (i > 0) out += ", ";
        out += v.fields[i].name;
        out += ": ";
        out += print_value(v.fields[i].value);
      }
      out += '}';
      return out;
    }
  };
  return std::visit(Printer{}, value.kind);
}

std::string print_schema(const Schema& schema) {
  std::vector<std::string> parts;
  const bool common_names = (schema.query_type().empty() || schema.query_type() == "Query") &&
                            (schema.mutation_type().empty() || schema.mutation_type() == "Mutation");
  if (!common_names) {
    std::string roots = "schema {\n  query: ";
    roots += schema.query_type();
    if (!schema.mutation_type().empty()) {
      roots += "\n  mutation: ";
      roots += schema.mutation_type();
    }
    roots += "\n}";
    parts.push_back(std::move(roots));
  }
  for (const auto& [name, type] : schema.types()) {
    if (!type.built_in) parts.push_back(print_type(type));
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += "\n\n";
    out += parts[i];
  }
  return out;
}

}  // namespace keel::graphql
