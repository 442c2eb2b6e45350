#include "http/request_id.hpp"

#include "core/ids.hpp"

namespace keel::http {

bool is_valid_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string request_id_for(std::optional<std::string_view> incoming) {
  if (incoming && is_valid_request_id(*incoming)) return std::string(*incoming);
  return new_uuid_v7();
}

}  // namespace keel::http
