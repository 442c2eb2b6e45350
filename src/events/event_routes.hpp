#pragma once

#include "openapi/registry.hpp"

namespace keel::events {

class EventLog;

/// GET /api/events?since=&limit= (API.md §9), admins only.
void add_routes(openapi::Routes& routes, EventLog& log);

}  // namespace keel::events
