#include "core/json_text.hpp"

#include "core/text_rules.hpp"

#include <array>

namespace keel {
namespace {

// true for bytes that can be copied into a JSON string as they are.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  while (!s.empty()) {
    // Most text is printable ASCII with nothing to escape: copy such runs in one append.
    std::size_t run = 0;
    while (run < s.size() && kPlain[static_cast<unsigned char>(s[run])]) ++run;
    out.append(s.substr(0, run));
    s.remove_prefix(run);
    if (s.empty()) break;
    const auto c = static_cast<unsigned char>(s[0]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(kHexDigits[c >> 4]);
      out.push_back(kHexDigits[c & 0xf]);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      const std::size_t len = utf8_sequence_length(s);
      if (len == 0) {
        out.append("\xef\xbf\xbd");  // U+FFFD
        s.remove_prefix(1);
        continue;
      }
      out.append(s.substr(0, len));
      s.remove_prefix(len);
      continue;
    }
    s.remove_prefix(1);
  }
  out.push_back('"');
}

}  // namespace keel
