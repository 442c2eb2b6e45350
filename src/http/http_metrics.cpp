#include "http/http_metrics.hpp"

#include <array>
#include <charconv>

#include "http/request.hpp"

namespace keel::http {

HttpMetrics::HttpMetrics(Metrics& metrics)
    : requests_(metrics.counter("keel_http_requests_total", "HTTP requests answered, by route template, method and status.",
                                {"route", "method", "status"})),
      latency_(metrics.histogram("keel_http_request_duration_seconds",
                                 "Time from the end of the request headers to the response written, by route.",
                                 {"route"})),
      in_flight_(metrics.gauge("keel_http_requests_in_flight", "Requests being handled now.")),
      connections_(metrics.gauge("keel_http_connections_open", "Client connections open now.")) {}

void HttpMetrics::record(const Exchange& ex) {
  // Unmatched paths share one label value, so scanners cannot blow up the series count.
  const std::string_view route = ex.route.empty() ? std::string_view("unmatched") : ex.route;
  std::array<char, 8> status{};
  const auto [end, ec] = std::to_chars(status.data(), status.data() + status.size(), ex.status);
  const std::string_view status_text(status.data(), static_cast<std::size_t>(end - status.data()));
  requests_.inc({route, method_name(parse_method(ex.method)), status_text});
  latency_.observe({route}, std::chrono::duration<double>(ex.duration).count());
}

}  // namespace keel::http
