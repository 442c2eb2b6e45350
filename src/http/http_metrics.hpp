#pragma once

#include <cstdint>

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
  /// Counts one exchange. Each I/O thread remembers the series it has used, so the common
  /// case is a hash lookup and two atomic adds, with no lock.
  void record(const Exchange& ex);
  ServerGauges gauges() noexcept { return {&connections_, &in_flight_}; }

 private:
  CounterFamily& requests_;
  HistogramFamily& latency_;
  Gauge& in_flight_;
  Gauge& connections_;
  std::uint64_t id_;  // tells this instance's cached series from another's in the thread caches
};

}  // namespace keel::http
