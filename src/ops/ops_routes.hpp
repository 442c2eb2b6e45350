#pragma once

#include "core/metrics.hpp"
#include "http/router.hpp"
#include "storage/database.hpp"

namespace keel::ops {

/// GET /healthz, GET /readyz (checks the database) and GET /metrics.
void add_routes(http::Router& router, storage::Database& db, const Metrics& metrics);

}  // namespace keel::ops
