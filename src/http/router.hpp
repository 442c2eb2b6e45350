#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "http/context.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace keel::http {

/// A request handler: `co_return` a Response or throw keel::Error.
using Handler = std::function<Task<Response>(Request&, Context&)>;

/// One registered route.
struct RouteInfo {
  Method method;
  std::string pattern;  // canonical, e.g. "/api/v1/users/:id"
};

/// Maps method + path to handlers. Patterns under "/api/" are versioned: a route added
/// as "/api/users/:id" is served at /api/v1/users/:id and at its alias /api/users/:id.
class Router {
 public:
  /// Registers a handler; POST, PUT and PATCH routes get their JSON body parsed first.
  /// Throws std::invalid_argument for a malformed pattern or a duplicate route.
  void add(Method method, std::string_view pattern, Handler handler);

  /// Prepares the request (prepare_request: absolute path, query string), matches it, fills
  /// ctx.route and ctx.params, parses a JSON body where the route takes one, and runs the
  /// handler. Runs inside the pipeline, so every error it throws reaches the error middleware:
  /// Error::bad_request or Error::validation from prepare_request, Error::not_found for unknown
  /// paths, Error::method_not_allowed (with Allow) for known paths with another method.
  Task<Response> dispatch(Request& req, Context& ctx) const;

  /// Every route, in registration order.
  std::vector<RouteInfo> routes() const;

  /// The canonical form of a request path: "/api/x" becomes "/api/v1/x".
  static std::string canonical_path(std::string_view path);

 private:
  struct Segment {
    std::string text;
    bool is_param = false;
  };
  struct Route {
    Method method;
    Handler handler;
  };
  struct Pattern {
    std::string text;
    std::vector<Segment> segments;
    std::vector<Route> routes;
  };

  const Pattern* find_pattern(std::string_view path, Context& ctx) const;
  static std::string allow_header(const Pattern& p);

  std::vector<Pattern> patterns_;
};

}  // namespace keel::http
