#pragma once

#include "core/metrics.hpp"
#include "openapi/registry.hpp"
#include "storage/database.hpp"

namespace keel::ops {

/// GET /healthz, GET /readyz (checks the database) and GET /metrics; when `metrics_token` is
/// not empty, /metrics answers only requests with `Authorization: Bearer <metrics_token>`
/// (others: 401), so a public deployment does not show its traffic to anyone.
void add_routes(openapi::Routes& routes, storage::Database& db, const Metrics& metrics, std::string metrics_token);

}  // namespace keel::ops
