#include "ops/ops_routes.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/crypto.hpp"
#include "core/error.hpp"

namespace keel::ops {

void add_routes(openapi::Routes& routes, storage::Database& db, const Metrics& metrics, std::string metrics_token,
                std::vector<OptionalCheck> optional) {
  routes.add_schemas(R"json({
    "Health": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}},
    "Ready": {
      "type": "object", "required": ["status", "checks"],
      "properties": {"status": {"const": "ok"}, "checks": {"type": "object", "additionalProperties": {"type": "string"}}}
    },
    "Metrics": {"type": "string", "description": "Prometheus text exposition format"}
  })json");


  routes.add(http::Method::get, "/healthz", [](http::Request&, http::Context&) -> Task<http::Response> {
    co_return http::Response::json_text(200, R"({"status":"ok"})");
  }, {.summary = "Liveness: 200 while the process serves", .tag = "operations", .response = "Health"});

  routes.add(http::Method::get, "/readyz", [&db, optional = std::move(optional)](
                                                http::Request&, http::Context& ctx) -> Task<http::Response> {
    std::string failure;
    try {
      co_await db.ping();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      spdlog::warn("readyz {}: {} is not answering: {}", ctx.request_id, db.name(), failure);
      throw Error(ErrorCode::kUnavailable, "A dependency is not answering",
                  {{"database", std::string(db.name()) + " is not answering"}}, failure);
    }
    std::string body = R"({"status":"ok","checks":{"database":"ok")";
    for (const OptionalCheck& check : optional) {
      body += fmt::format(R"(,"{}":"{}")", check.name, check.up() ? "ok" : "down");
    }
    body += "}}";
    co_return http::Response::json_text(200, std::move(body));
  }, {.summary = "Readiness: 200 when the database answers, else 503 naming it; the broker and Redis, when "
                 "configured, show as ok or down without making keel unready",
      .tag = "operations", .response = "Ready"});

  routes.add(http::Method::get, "/metrics", [&metrics, token = std::move(metrics_token)](
                                                 http::Request& req, http::Context&) -> Task<http::Response> {
    if (!token.empty()) {
      constexpr std::string_view kBearer = "Bearer ";
      const std::string_view given = req.headers.get("Authorization").value_or("");
      if (!given.starts_with(kBearer) || !constant_time_equal(given.substr(kBearer.size()), token)) {
        throw Error::unauthorized("GET /metrics needs Authorization: Bearer <METRICS_TOKEN>")
            .with_header("WWW-Authenticate", "Bearer");
      }
    }
    co_return http::Response::text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.render());
  }, {.summary = "Prometheus metrics (text format)", .tag = "operations", .response = "Metrics", .response_type = "text/plain"});
}

}  // namespace keel::ops
