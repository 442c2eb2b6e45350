#include "lists/count_cache.hpp"

#include <fmt/format.h>

#include "core/metrics.hpp"
#include "lists/list_page.hpp"

namespace keel::lists {
namespace {

// The statement and its parameters, each typed, in one string: equal keys, equal counts.
std::string key_of(const Statement& count) {
  std::string key = count.text;
  for (const storage::Value& v : count.params) {
    key += '\0';
    if (std::holds_alternative<std::nullptr_t>(v)) {
      key += 'n';
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      key += 'i';
      key += std::to_string(*n);
    } else if (const auto* d = std::get_if<double>(&v)) {
      key += 'd';
      key += fmt::format("{}", *d);
    } else {
      const auto& s = std::get<std::string>(v);
      key += 's';
      key += std::to_string(s.size());  // the length first: no value can forge the next one
      key += ':';
      key += s;
    }
  }
  return key;
}

}  // namespace

CountCache::CountCache(VersionQuery version, Metrics& metrics, std::size_t capacity)
    : version_(std::move(version)),
      capacity_(capacity),
      hits_(metrics.counter("keel_list_totals_total", "List totals (meta.total), kept or counted.", {"result"})
                .series({"kept"})),
      misses_(metrics.counter("keel_list_totals_total", "List totals (meta.total), kept or counted.", {"result"})
                  .series({"counted"})) {}

Task<std::int64_t> CountCache::total(storage::Database& db, Statement count, const storage::Result& version) {
  std::string key = key_of(count);
  // Read before the count: a write that commits in between moves the version the next lookup
  // reads, so a total counted before that write is never served after it.
  const DataVersion now = version_.decode(version);
  {
    std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(key); it != entries_.end() && it->second.version == now) {
      hits_.inc();
      co_return it->second.total;
    }
  }
  misses_.inc();
  const storage::Result r = co_await db.query(std::move(count.text), std::move(count.params));
  const std::int64_t total = std::get<std::int64_t>(r.rows.at(0).at(0));
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_ && !entries_.contains(key)) entries_.clear();
  entries_.insert_or_assign(std::move(key), Entry{now, total});
  co_return total;
}

}  // namespace keel::lists
