#include "http/middleware/security_headers.hpp"

namespace keel::http {

Task<Response> security_headers_middleware(Request& req, Context& ctx, Next next) {
  Response res = co_await next(req, ctx);
  res.headers.set("X-Content-Type-Options", "nosniff");
  res.headers.set("X-Frame-Options", "DENY");
  res.headers.set("Referrer-Policy", "no-referrer");
  if (!res.headers.has("Cache-Control") && req.path.starts_with("/api")) {
    res.headers.set("Cache-Control", "no-store");
  }
  co_return res;
}

}  // namespace keel::http
