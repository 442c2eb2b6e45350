#include "http/http_metrics.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <functional>
#include <string>
#include <unordered_map>

#include "http/method.hpp"

namespace bhttp = boost::beast::http;

namespace keel::http {
namespace {

std::atomic<std::uint64_t> next_id{1};

// The methods keel routes keep their own series; every other method shares one, so clients
// cannot create series at will: the cache below is bounded by routes x methods x statuses.
bhttp::verb series_method(std::string_view token) noexcept {
  switch (const bhttp::verb v = bhttp::string_to_verb(token)) {
    case bhttp::verb::get:
    case bhttp::verb::head:
    case bhttp::verb::post:
    case bhttp::verb::put:
    case bhttp::verb::patch:
    case bhttp::verb::delete_:
    case bhttp::verb::options: return v;
    default: return bhttp::verb::unknown;
  }
}

std::string_view method_label(bhttp::verb v) noexcept {
  return v == bhttp::verb::unknown ? std::string_view("OTHER") : std::string_view(bhttp::to_string(v));
}

struct KeyView {
  std::uint64_t owner;
  std::string_view route;
  bhttp::verb method;
  int status;
};

struct Key {
  std::uint64_t owner;
  std::string route;
  bhttp::verb method;
  int status;
  KeyView view() const { return {owner, route, method, status}; }
};

struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(const KeyView& k) const noexcept {
    std::size_t h = std::hash<std::string_view>{}(k.route);
    h ^= (k.owner * 0x9e3779b97f4a7c15ULL) + (static_cast<std::size_t>(k.method) << 16) + static_cast<std::size_t>(k.status);
    return h;
  }
  std::size_t operator()(const Key& k) const noexcept { return (*this)(k.view()); }
};

struct KeyEqual {
  using is_transparent = void;
  static bool same(const KeyView& a, const KeyView& b) noexcept {
    return a.owner == b.owner && a.status == b.status && a.method == b.method && a.route == b.route;
  }
  bool operator()(const Key& a, const Key& b) const noexcept { return same(a.view(), b.view()); }
  bool operator()(const KeyView& a, const Key& b) const noexcept { return same(a, b.view()); }
  bool operator()(const Key& a, const KeyView& b) const noexcept { return same(a.view(), b); }
};

struct Cells {
  CounterCell* requests;
  HistogramCell* latency;
};

}  // namespace

HttpMetrics::HttpMetrics(Metrics& metrics)
    : requests_(metrics.counter("keel_http_requests_total", "HTTP requests answered, by route template, method and status.",
                                {"route", "method", "status"})),
      latency_(metrics.histogram("keel_http_request_duration_seconds",
                                 "Time from the end of the request headers to the response written, by route.",
                                 {"route"})),
      in_flight_(metrics.gauge("keel_http_requests_in_flight", "Requests being handled now.")),
      connections_(metrics.gauge("keel_http_connections_open", "Client connections open now.")),
      id_(next_id.fetch_add(1)) {}

void HttpMetrics::record(const Exchange& ex) {
  // Unmatched paths share one label value, like methods keel does not route (series_method).
  const std::string_view route = ex.route.empty() ? std::string_view("unmatched") : ex.route;
  const bhttp::verb method = series_method(ex.method);
  thread_local std::unordered_map<Key, Cells, KeyHash, KeyEqual> cache;

  const KeyView key{id_, route, method, ex.status};
  auto it = cache.find(key);
  if (it == cache.end()) {
    std::array<char, 8> status{};
    const auto end = std::to_chars(status.data(), status.data() + status.size(), ex.status).ptr;
    const std::string_view status_text(status.data(), static_cast<std::size_t>(end - status.data()));
    Cells cells{&requests_.series({route, method_label(method), status_text}), &latency_.series({route})};
    it = cache.emplace(Key{id_, std::string(route), method, ex.status}, cells).first;
  }
  it->second.requests->inc();
  it->second.latency->observe(std::chrono::duration<double>(ex.duration).count());
}

}  // namespace keel::http
