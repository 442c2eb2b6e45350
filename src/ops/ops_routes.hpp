#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "openapi/registry.hpp"
#include "storage/database.hpp"

namespace keel::ops {

/// A service keel can serve without (the broker, Redis): /readyz shows it in `checks` as "ok" or
/// "down" but stays 200 while the database answers (API.md §7). `up` is read on an I/O thread:
/// it returns a state kept by whoever watches the service, at once, never blocking.
struct OptionalCheck {
  std::string name;
  std::function<bool()> up;
};

/// GET /healthz, GET /readyz (checks the database, and shows `optional` services) and GET
/// /metrics; when `metrics_token` is not empty, /metrics answers only requests with
/// `Authorization: Bearer <metrics_token>` (others: 401), so a public deployment does not show
/// its traffic to anyone.
void add_routes(openapi::Routes& routes, storage::Database& db, const Metrics& metrics, std::string metrics_token,
                std::vector<OptionalCheck> optional = {});

}  // namespace keel::ops
