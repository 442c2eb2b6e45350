#pragma once

#include "http/router.hpp"

namespace keel::docs {

/// GET /docs: the interactive documentation page (Swagger UI on /api/openapi.json), and
/// GET /docs/<file> for what it loads, all from the binary and under a strict
/// Content-Security-Policy. Throws std::invalid_argument if a route exists already.
void add_routes(http::Router& router);

}  // namespace keel::docs
