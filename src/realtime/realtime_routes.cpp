#include "realtime/realtime_routes.hpp"

#include <algorithm>

#include <boost/beast/core/string.hpp>

#include "core/error.hpp"
#include "http/context.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "openapi/registry.hpp"
#include "realtime/realtime_hub.hpp"

namespace keel::realtime {

void add_routes(openapi::Routes& routes, Hub& hub, std::vector<std::string> allowed_origins) {
  // Not an HTTP operation (a WebSocket upgrade): routed, but left out of the document's paths,
  // whose every operation clients and contract tests call over HTTP; its description names it.
  routes.router().add(http::Method::get, "/api/realtime",
             [&hub, origins = std::move(allowed_origins)](http::Request& req, http::Context&) -> Task<http::Response> {
               const auto upgrade = req.headers.get("Upgrade");
               if (!upgrade || !boost::beast::iequals(*upgrade, "websocket")) {
                 throw Error::bad_request("This endpoint speaks WebSocket only (Upgrade: websocket)");
               }
               if (const auto origin = req.headers.get("Origin"); origin && !origins.empty() &&
                   std::find(origins.begin(), origins.end(), *origin) == origins.end()) {
                 throw Error::forbidden("This origin is not allowed (CORS_ORIGINS)");
               }
               http::Response res;
               res.status = 101;
               res.upgrade = hub.connect();
               co_return res;
             });
}

}  // namespace keel::realtime
