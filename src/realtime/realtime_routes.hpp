#pragma once

#include <string>
#include <vector>

namespace keel::openapi {
class Routes;
}

namespace keel::realtime {

class Hub;

/// GET /api/realtime (and /api/v1/realtime): the WebSocket of API.md §10. A browser's Origin
/// must be one of `allowed_origins` when that list is set (CORS_ORIGINS).
void add_routes(openapi::Routes& routes, Hub& hub, std::vector<std::string> allowed_origins);

}  // namespace keel::realtime
