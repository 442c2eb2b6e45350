#include "http/headers.hpp"

#include <algorithm>
#include <cstring>

namespace keel::http {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string_view> Headers::get(std::string_view name) const noexcept {
  for (const auto& [n, v] : fields_) {
    if (iequals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

// A response typically carries a few fields: one allocation instead of several regrowths.
constexpr std::size_t kTypicalFields = 4;

void Headers::set(std::string_view name, std::string value) {
  erase(name);
  add(name, std::move(value));
}

// A CR or LF in a field would let its text start a header of its own (response splitting).
bool has_line_break(std::string_view s) noexcept {
  if (s.empty()) return false;
  return std::memchr(s.data(), '\r', s.size()) != nullptr || std::memchr(s.data(), '\n', s.size()) != nullptr;
}

void Headers::add(std::string_view name, std::string value) {
  if (has_line_break(name)) return;
  if (has_line_break(value)) std::erase_if(value, [](char c) { return c == '\r' || c == '\n'; });
  if (fields_.capacity() == 0) fields_.reserve(kTypicalFields);
  fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::reserve(std::size_t n) { fields_.reserve(n); }

void Headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const auto& f) { return iequals(f.first, name); });
}

}  // namespace keel::http
