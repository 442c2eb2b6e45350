#include "core/metrics.hpp"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

namespace keel {
namespace {

std::vector<std::string> key_of(std::initializer_list<std::string_view> values) {
  return std::vector<std::string>(values.begin(), values.end());
}

void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

// Renders {a="x",b="y"} plus an optional extra label (le for buckets).
std::string label_text(const std::vector<std::string>& names, const std::vector<std::string>& values,
                       std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out.push_back(',');
    out += names[i];
    out += "=\"";
    append_escaped(out, values[i]);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out.push_back(',');
    out += fmt::format("{}=\"{}\"", extra_name, extra_value);
  }
  out.push_back('}');
  return out;
}

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

std::string number(double v) { return fmt::format("{}", v); }

}  // namespace

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}

CounterCell& CounterFamily::series(std::initializer_list<std::string_view> label_values) {
  assert(label_values.size() == labels_.size());  // a caller passing the wrong labels is a bug
  std::lock_guard lock(mutex_);
  auto it = series_.find(label_values);
  if (it == series_.end()) it = series_.emplace(key_of(label_values), std::make_unique<CounterCell>()).first;
  return *it->second;
}

double CounterFamily::value(std::initializer_list<std::string_view> label_values) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(label_values);
  return it == series_.end() ? 0.0 : it->second->value();
}

void CounterFamily::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::lock_guard lock(mutex_);
  if (labels_.empty() && series_.empty()) out += fmt::format("{} 0\n", name_);
  for (const auto& [values, cell] : series_) {
    out += fmt::format("{}{} {}\n", name_, label_text(labels_, values), number(cell->value()));
  }
}

Gauge::Gauge(std::string name, std::string help) : name_(std::move(name)), help_(std::move(help)) {}

void Gauge::render(std::string& out) const {
  header(out, name_, help_, "gauge");
  out += fmt::format("{} {}\n", name_, value());
}

HistogramCell::HistogramCell(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void HistogramCell::observe(double value) noexcept {
  const auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void HistogramCell::render(std::string& out, const std::string& name, const std::vector<std::string>& labels,
                           const std::vector<std::string>& values) const {
  // Read without a lock: a scrape during traffic may see a bucket a moment ahead of _count,
  // which Prometheus tolerates; every figure is itself exact.
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    out += fmt::format("{}_bucket{} {}\n", name, label_text(labels, values, "le", le), cumulative);
  }
  out += fmt::format("{}_sum{} {}\n", name, label_text(labels, values), number(sum_.load(std::memory_order_relaxed)));
  out += fmt::format("{}_count{} {}\n", name, label_text(labels, values), count());
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                                 std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), bounds_(std::move(bounds)) {}

HistogramCell& HistogramFamily::series(std::initializer_list<std::string_view> label_values) {
  assert(label_values.size() == labels_.size());  // a caller passing the wrong labels is a bug
  std::lock_guard lock(mutex_);
  auto it = series_.find(label_values);
  if (it == series_.end()) it = series_.emplace(key_of(label_values), std::make_unique<HistogramCell>(bounds_)).first;
  return *it->second;
}

std::uint64_t HistogramFamily::count(std::initializer_list<std::string_view> label_values) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(label_values);
  return it == series_.end() ? 0 : it->second->count();
}

void HistogramFamily::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::lock_guard lock(mutex_);
  if (labels_.empty() && series_.empty()) {
    HistogramCell(bounds_).render(out, name_, labels_, {});
    return;
  }
  for (const auto& [values, cell] : series_) cell->render(out, name_, labels_, values);
}

const std::vector<double>& Metrics::latency_buckets() {
  static const std::vector<double> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                               0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                               5,      10};
  return kBuckets;
}

CounterFamily& Metrics::counter(std::string name, std::string help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto& e = entries_.emplace_back();
  e.counter = std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labels));
  return *e.counter;
}

Gauge& Metrics::gauge(std::string name, std::string help) {
  std::lock_guard lock(mutex_);
  auto& e = entries_.emplace_back();
  e.gauge = std::make_unique<Gauge>(std::move(name), std::move(help));
  return *e.gauge;
}

HistogramFamily& Metrics::histogram(std::string name, std::string help, std::vector<std::string> labels,
                                    std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto& e = entries_.emplace_back();
  e.histogram = std::make_unique<HistogramFamily>(std::move(name), std::move(help), std::move(labels),
                                                  std::move(bounds));
  return *e.histogram;
}

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e.counter) e.counter->render(out);
    if (e.gauge) e.gauge->render(out);
    if (e.histogram) e.histogram->render(out);
  }
  return out;
}

}  // namespace keel
