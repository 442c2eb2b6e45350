#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "core/error.hpp"

namespace keel::http {

/// The authenticated caller, as the access token says (see auth::auth_middleware).
struct Principal {
  std::string user_id;
  std::string role;
  std::string session_id;
};

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
  /// Set by the auth middleware when the request carries a valid, unrevoked access token.
  std::optional<Principal> principal;
  /// Why the request's token was refused, when it carried one that was not valid; routes
  /// that need a caller answer with it (auth::authenticated).
  std::optional<ErrorCode> auth_failure;

  /// A path parameter by name, e.g. param("id"); empty when absent.
  std::string_view param(std::string_view name) const noexcept {
    for (const auto& [k, v] : params) {
      if (k == name) return v;
    }
    return {};
  }
};

}  // namespace keel::http
