#pragma once

#include <string>
#include <string_view>

namespace keel {

/// Appends `s` as a JSON string literal (quotes included), escaping quotes, backslashes and
/// control characters. Bytes that are not valid UTF-8 become U+FFFD, so the output is always
/// valid JSON whatever a client sent.
void append_json_string(std::string& out, std::string_view s);

}  // namespace keel
