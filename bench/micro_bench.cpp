// Micro-benchmarks of per-request work that does not touch a socket. Run by `make bench`.
#include <benchmark/benchmark.h>

#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "core/run_sync.hpp"
#include "http/error_response.hpp"
#include "http/request.hpp"
#include "http/router.hpp"

namespace {

using namespace keel;

void BM_RouterDispatch(benchmark::State& state) {
  http::Router router;
  for (const char* p : {"/healthz", "/readyz", "/metrics", "/api/users", "/api/users/:id", "/api/tasks",
                        "/api/tasks/:id", "/api/projects", "/api/projects/:id"}) {
    router.add(http::Method::get, p, [](http::Request&, http::Context&) -> Task<http::Response> {
      co_return http::Response::empty(204);
    });
  }
  http::Request req;
  req.method = http::Method::get;
  req.path = "/api/tasks/0193f1c2-7a3b-7c4d-8e5f-0123456789ab";
  for (auto _ : state) {
    http::Context ctx;
    auto res = run_sync([&] { return router.dispatch(req, ctx); });
    benchmark::DoNotOptimize(res.status);
  }
}
BENCHMARK(BM_RouterDispatch);

void BM_Uuid7(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(new_uuid_v7());
}
BENCHMARK(BM_Uuid7);

void BM_ErrorResponse(benchmark::State& state) {
  const Error e = Error::validation({{"email", "must be a valid email address"}});
  for (auto _ : state) benchmark::DoNotOptimize(http::error_response(e, "01936d3c-0000-7000-8000-000000000000"));
}
BENCHMARK(BM_ErrorResponse);

void BM_MetricsRecord(benchmark::State& state) {
  Metrics m;
  auto& c = m.counter("c", "h", {"route", "method", "status"});
  auto& h = m.histogram("h", "h", {"route"});
  for (auto _ : state) {
    c.inc({"/api/v1/tasks/:id", "GET", "200"});
    h.observe({"/api/v1/tasks/:id"}, 0.0004);
  }
}
BENCHMARK(BM_MetricsRecord);

}  // namespace

BENCHMARK_MAIN();
