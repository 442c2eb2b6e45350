#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace keel {

/// Orders label-value tuples, so a series can be found without building a key per call.
struct LabelKeyLess {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

/// One counter series: a value that only goes up. Updates are lock-free.
class CounterCell {
 public:
  void inc(double by = 1) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

/// A family of monotonically increasing counters sharing a name and label names.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels);
  /// The series with these label values (one per label name, in order), created at zero when
  /// new. The reference stays valid as long as the family: hot paths keep it and skip the lookup.
  CounterCell& series(std::initializer_list<std::string_view> label_values);
  /// Adds `by` to the series with these label values.
  void inc(std::initializer_list<std::string_view> label_values, double by = 1) { series(label_values).inc(by); }
  /// The series' current value, 0 when it does not exist yet.
  double value(std::initializer_list<std::string_view> label_values) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> labels_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<CounterCell>, LabelKeyLess> series_;
};

/// An unlabelled gauge (a value that goes up and down).
class Gauge {
 public:
  Gauge(std::string name, std::string help);
  void add(std::int64_t delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::atomic<std::int64_t> value_{0};
};

/// One histogram series with fixed bucket bounds. Updates are lock-free.
class HistogramCell {
 public:
  explicit HistogramCell(const std::vector<double>& bounds);
  void observe(double value) noexcept;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  /// Appends the _bucket, _sum and _count lines of this series.
  void render(std::string& out, const std::string& name, const std::vector<std::string>& labels,
              const std::vector<std::string>& values) const;

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // non-cumulative; rendered cumulatively
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

/// A family of histograms with fixed bucket bounds (seconds, for latencies).
class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                  std::vector<double> bounds);
  /// The series with these label values, created empty when new; valid as long as the family.
  HistogramCell& series(std::initializer_list<std::string_view> label_values);
  void observe(std::initializer_list<std::string_view> label_values, double value) {
    series(label_values).observe(value);
  }
  /// Creates the series at zero, so /metrics lists it before the first observation.
  void touch(std::initializer_list<std::string_view> label_values) { series(label_values); }
  /// Observations so far in the series, 0 when it does not exist yet.
  std::uint64_t count(std::initializer_list<std::string_view> label_values) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<HistogramCell>, LabelKeyLess> series_;
};

/// The process's metrics, rendered in the Prometheus text format. Families are
/// registered once at start; the returned references stay valid for its lifetime.
class Metrics {
 public:
  /// Latency buckets in seconds, from 100 µs to 10 s.
  static const std::vector<double>& latency_buckets();

  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  Gauge& gauge(std::string name, std::string help);
  HistogramFamily& histogram(std::string name, std::string help, std::vector<std::string> labels,
                             std::vector<double> bounds = latency_buckets());

  /// Every family, in registration order, each with # HELP and # TYPE.
  std::string render() const;

 private:
  struct Entry {
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<HistogramFamily> histogram;
  };
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
};

}  // namespace keel
