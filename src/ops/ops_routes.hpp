#pragma once

#include "core/metrics.hpp"
#include "openapi/registry.hpp"
#include "storage/database.hpp"

namespace keel::ops {

/// GET /healthz, GET /readyz (checks the database) and GET /metrics.
void add_routes(openapi::Routes& routes, storage::Database& db, const Metrics& metrics);

}  // namespace keel::ops
