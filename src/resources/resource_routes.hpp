#pragma once

#include "http/router.hpp"

namespace keel::resources {

class ResourceService;

/// For every declared resource: GET/POST /api/{resource}, GET/PUT/PATCH/DELETE
/// /api/{resource}/:id (API.md §5).
void add_routes(http::Router& router, ResourceService& service);

}  // namespace keel::resources
