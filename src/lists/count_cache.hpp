#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/async.hpp"
#include "storage/database.hpp"

namespace keel {
class CounterCell;
class Metrics;
}  // namespace keel

namespace keel::lists {

struct Statement;

/// Where the data stands: two reads of it compare equal only when no write committed in
/// between (keel's event log gives it: every change records an event in its own transaction).
struct DataVersion {
  std::int64_t head = 0;     // the newest numbered event (or the trimmed bound)
  std::int64_t pending = 0;  // committed events not yet numbered (PostgreSQL's sequencer)
  bool operator==(const DataVersion&) const = default;
};

/// Offset pages' totals (API.md §6 `meta.total`), counted once and kept while the data stays
/// as it was. Each lookup first reads the data version, then counts only when it moved since the
/// kept total was counted: a total is never older than a write acknowledged before the list
/// request (the version is read before the count, from the database every instance writes).
/// The key is the count statement's text and parameters, so the caller's scope (the owner
/// rule) and the filters are part of it. At most `capacity` totals; when full it starts over.
class CountCache {
 public:
  /// How the data version is read: a statement, and what its result says.
  struct VersionQuery {
    storage::Statement statement;
    std::function<DataVersion(const storage::Result&)> decode;
  };

  CountCache(VersionQuery version, Metrics& metrics, std::size_t capacity = 4096);

  /// The statement that reads the data version; run it (e.g. with the page, in one trip) before
  /// total() and pass its result there.
  const storage::Statement& version_statement() const noexcept { return version_.statement; }

  /// The number of rows `count` (a `SELECT count(*)`) counts, as of `version` (the result of
  /// version_statement(), read before): kept from an earlier count at the same version, or
  /// counted now. Throws keel::Error from the database.
  Task<std::int64_t> total(storage::Database& db, Statement count, const storage::Result& version);

 private:
  struct Entry {
    DataVersion version;
    std::int64_t total = 0;
  };

  VersionQuery version_;
  std::size_t capacity_;
  CounterCell& hits_;
  CounterCell& misses_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace keel::lists
