#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace keel::http {

/// What the server knows about one request beyond its bytes: id, matched route,
/// path parameters, parsed body and (once auth lands) the caller.
struct Context {
  std::string request_id;
  /// The matched route template, e.g. "/api/v1/users/:id"; empty when nothing matched.
  std::string route;
  std::vector<std::pair<std::string, std::string>> params;
  /// The parsed JSON body, when the request had one (the JSON middleware fills it).
  std::optional<boost::json::value> json;
  /// The authenticated user's id, for the access log; empty when anonymous.
  std::string user_id;

  /// A path parameter by name, e.g. param("id"); empty when absent.
  std::string_view param(std::string_view name) const noexcept {
    for (const auto& [k, v] : params) {
      if (k == name) return v;
    }
    return {};
  }
};

}  // namespace keel::http
