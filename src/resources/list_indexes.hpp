#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/async.hpp"
#include "lists/list_shape.hpp"
#include "resources/resource_model.hpp"
#include "storage/database.hpp"

namespace keel {
class CounterCell;
class CounterFamily;
class Metrics;
}  // namespace keel

namespace keel::resources {

struct ListIndexOptions {
  std::size_t per_resource = 4;                  // automatic indexes at most per resource; 0: none
  std::chrono::milliseconds build_after{1'000};  // database time one list shape may spend unserved
};

/// Keeps lists from sorting their whole match set to answer one page. Each page read is noted
/// with its shape (equality filters and caller scope, then sort); a shape no index serves is
/// counted in /metrics, and once its pages have spent `build_after` of database time, the index
/// that serves it is built in the background (CREATE INDEX CONCURRENTLY on PostgreSQL), at most
/// `per_resource` of them per resource, with a log line saying which and why. Where none may be
/// built (the limit, or 0), the log says once which declaration would serve the shape.
/// Automatic indexes end in "__auto", have the same name on every instance, and stay across
/// restarts.
class ListIndexes {
 public:
  ListIndexes(storage::Database& db, const Model& model, Metrics& metrics, ListIndexOptions options);

  /// Reads which automatic indexes the database has already (built before this start, or by
  /// another instance), so the lists they serve count as served from the first page. Throws
  /// keel::Error from the database.
  Task<void> load();

  /// Notes one page of `r` read in `shape` in `rows_time`. Thread-safe; never blocks or throws.
  void observe(const Resource& r, const lists::Shape& shape, std::chrono::nanoseconds rows_time);

  /// Builds the indexes observe() queued, one at a time; logs failures, never throws.
  Task<void> build_queued();

  /// Called (from observe) when an index is queued: the App wakes the job running build_queued.
  void on_queued(std::function<void()> wake) { wake_ = std::move(wake); }

 private:
  enum class State { kWatching, kQueued, kServed, kGivenUp };
  struct Tracked {
    lists::Shape shape;
    std::chrono::nanoseconds spent{0};
    State state = State::kWatching;
  };
  struct PerResource {
    const Resource* resource = nullptr;
    std::vector<lists::IndexColumns> indexes;
    std::unordered_map<std::string, Tracked> shapes;  // by Shape::key()
    CounterCell* unserved = nullptr;
  };
  struct Queued {
    const Resource* resource;
    lists::Shape shape;
  };

  Task<void> build(const Resource& r, const lists::Shape& shape);
  void settle(const Resource& r, const std::string& key, State state, const lists::IndexColumns* index);
  Task<void> drop_if_unusable(const std::string& name);
  std::string declaration_hint(const Resource& r, const lists::Shape& shape) const;

  storage::Database& db_;
  ListIndexOptions options_;
  CounterFamily& outcomes_;
  std::function<void()> wake_;
  std::mutex mutex_;
  std::unordered_map<std::string, PerResource> resources_;  // by resource name
  std::vector<Queued> queue_;
};

}  // namespace keel::resources
