#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/principal.hpp"

namespace keel::http {

/// What the server learns about one request beyond its bytes: its id, the matched route and
/// path parameters, and who the caller is (set by the auth middleware).
struct Context {
  std::string request_id;
  /// The matched route template, e.g. "/api/v1/users/:id"; empty when nothing matched.
  std::string route;
  std::vector<std::pair<std::string, std::string>> params;
  /// Anonymous until the auth middleware has looked at the request's token.
  Caller caller;

  /// A path parameter by name, e.g. param("id"); empty when absent.
  std::string_view param(std::string_view name) const noexcept {
    for (const auto& [k, v] : params) {
      if (k == name) return v;
    }
    return {};
  }
};

}  // namespace keel::http
