#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace keel {

/// Lowercase hexadecimal digits, for every hex encoder in keel.
inline constexpr char kHexDigits[] = "0123456789abcdef";

/// `s` without leading and trailing spaces, tabs, CRs and LFs.
std::string_view trim(std::string_view s) noexcept;

/// Characters (code points) in valid UTF-8 `s`: bytes that do not continue a sequence.
std::size_t utf8_length(std::string_view s) noexcept;

/// Bytes in the valid UTF-8 sequence (1–4) at the start of `s`, or 0 when there is none
/// (empty, a stray continuation byte, overlong, a surrogate or past U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s) noexcept;

/// True when all of `s` is valid UTF-8.
bool valid_utf8(std::string_view s) noexcept;

/// `email` trimmed and lowercased, when it is a syntactically valid address (at most 254
/// bytes, a local part of at most 64, a dotted domain with a TLD of letters); otherwise nullopt.
/// Register, login, user updates and `email` fields of resources all use this one rule.
std::optional<std::string> normalise_email(std::string_view email);

/// The name trimmed; records in `details["name"]` when it is not 1–100 characters after trimming
/// or contains U+0000.
std::string check_name(std::string_view raw, ErrorDetails& details);

}  // namespace keel
