#include "http/middleware/cors.hpp"

#include <algorithm>
#include <memory>

namespace keel::http {
namespace {

constexpr const char* kAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr const char* kAllowHeaders = "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id";
constexpr const char* kExposeHeaders = "X-Request-Id, ETag, Location, Retry-After";
constexpr const char* kMaxAge = "600";

void add_vary_origin(Response& res) {
  auto vary = res.headers.get("Vary");
  if (!vary) {
    res.headers.set("Vary", "Origin");
  } else if (vary->find("Origin") == std::string_view::npos) {
    res.headers.set("Vary", std::string(*vary) + ", Origin");
  }
}

}  // namespace

Middleware cors_middleware(std::vector<std::string> origins) {
  auto allowed = std::make_shared<const std::vector<std::string>>(std::move(origins));
  return [allowed](Request& req, Context& ctx, Next next) -> Task<Response> {
    const auto origin = req.headers.get("Origin");
    const bool any = std::find(allowed->begin(), allowed->end(), "*") != allowed->end();
    const bool ok = origin && (any || std::find(allowed->begin(), allowed->end(), *origin) != allowed->end());
    if (!ok) co_return co_await next(req, ctx);

    const std::string allow_origin = any ? "*" : std::string(*origin);
    if (req.method == Method::options && req.headers.has("Access-Control-Request-Method")) {
      Response res = Response::empty(204);
      res.headers.set("Access-Control-Allow-Origin", allow_origin);
      res.headers.set("Access-Control-Allow-Methods", kAllowMethods);
      res.headers.set("Access-Control-Allow-Headers", kAllowHeaders);
      res.headers.set("Access-Control-Max-Age", kMaxAge);
      if (!any) add_vary_origin(res);
      co_return res;
    }
    Response res = co_await next(req, ctx);
    res.headers.set("Access-Control-Allow-Origin", allow_origin);
    res.headers.set("Access-Control-Expose-Headers", kExposeHeaders);
    if (!any) add_vary_origin(res);
    co_return res;
  };
}

}  // namespace keel::http
