#pragma once

#include "core/metrics.hpp"
#include "http/exchange.hpp"
#include "http/server.hpp"

namespace keel::http {

/// The HTTP families of /metrics: requests by route and status, latency by route,
/// in-flight requests and open connections.
class HttpMetrics {
 public:
  /// Registers the families in `metrics`.
  explicit HttpMetrics(Metrics& metrics);
  void record(const Exchange& ex);
  ServerGauges gauges() noexcept { return {&connections_, &in_flight_}; }

 private:
  CounterFamily& requests_;
  HistogramFamily& latency_;
  Gauge& in_flight_;
  Gauge& connections_;
};

}  // namespace keel::http
