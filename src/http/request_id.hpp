#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keel::http {

/// True for 1–128 chars of [A-Za-z0-9._-] (API.md §1).
bool is_valid_request_id(std::string_view id) noexcept;

/// The incoming X-Request-Id when valid, otherwise a new UUIDv7.
std::string request_id_for(std::optional<std::string_view> incoming);

}  // namespace keel::http
