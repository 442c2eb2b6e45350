#pragma once

#include "openapi/registry.hpp"

namespace keel::resources {

class ResourceService;

/// For every declared resource: GET/POST /api/{resource}, GET/PUT/PATCH/DELETE
/// /api/{resource}/:id (API.md §5), with their OpenAPI operations and schemas.
void add_routes(openapi::Routes& routes, ResourceService& service);

}  // namespace keel::resources
