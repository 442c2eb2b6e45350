#include "http/middleware/security_headers.hpp"

namespace keel::http {

Task<Response> security_headers_middleware(Request& req, Context& ctx, Next next) {
  Response res = co_await next(req, ctx);
  if (req.path.starts_with("/api") && !res.headers.has("Cache-Control")) res.headers.add("Cache-Control", "no-store");
  co_return res;
}

}  // namespace keel::http
