#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/async.hpp"

namespace keel {
class CounterCell;
class Metrics;
}  // namespace keel

namespace keel::cache {

class RedisClient;

/// What a read depended on, taken before it went to the database: store() keeps the value under
/// `key` stamped with it, and find() hands the value out again only while every resource it
/// depended on is still at that stamp. An empty stamp: the value is not kept (cache bypassed).
struct Ticket {
  std::string key;
  std::string stamp;
};

/// A lookup: the cached value when fresh, else the ticket to store the value read instead.
struct Lookup {
  std::optional<std::string> value;
  Ticket ticket;
};

/// The read cache of API.md §12 (`CACHE=on`): values (rendered records and list pages) keyed by
/// the request and what the caller may see, each stamped with the write generations of the
/// resources it was read from. A write bumps its resources' generations after it commits and
/// before it is answered, and a read takes the stamp before it reads the database, so a value
/// read before a write (or while it was under way) never matches a stamp taken after the
/// write's answer: nothing older than an acknowledged write is ever served.
class ReadCache {
 public:
  virtual ~ReadCache() = default;
  /// The value kept under `key`, if it was stamped at the current generations of `resources`.
  /// Never throws: a cache that can't answer is a miss with an empty stamp.
  virtual Task<Lookup> find(std::string key, std::vector<std::string> resources) = 0;
  /// Keeps `value` under the ticket's key (nothing when its stamp is empty). Never blocks long,
  /// never throws.
  virtual void store(Ticket ticket, std::string value) = 0;
  /// After a write to `resources` (committed, or perhaps committed: called after a failure too),
  /// before it is answered: values read from them before are never served again. Never throws.
  virtual Task<void> written(std::vector<std::string> resources) = 0;
};

/// The metrics every read cache keeps (API.md §7: cache hits and misses in /metrics).
struct CacheMetrics {
  explicit CacheMetrics(Metrics& metrics);
  CounterCell& hits;
  CounterCell& misses;
  CounterCell& invalidations;
};

/// The read cache in this process's memory, for one instance on SQLite (§12: without Redis, and
/// only where no other instance writes). Generations are counters here; values are kept in 16
/// shards of at most `max_bytes` / 16 each, a full shard being emptied (no per-entry
/// bookkeeping on the read path).
class LocalReadCache final : public ReadCache {
 public:
  LocalReadCache(Metrics& metrics, std::size_t max_bytes);

  Task<Lookup> find(std::string key, std::vector<std::string> resources) override;
  void store(Ticket ticket, std::string value) override;
  Task<void> written(std::vector<std::string> resources) override;

 private:
  struct Entry {
    std::string stamp;
    std::shared_ptr<const std::string> value;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;
    std::size_t bytes = 0;
  };
  std::string stamp_of(const std::vector<std::string>& resources);
  Shard& shard_of(const std::string& key);

  CacheMetrics metrics_;
  std::size_t shard_bytes_;
  std::mutex generations_mutex_;
  std::unordered_map<std::string, std::int64_t> generations_;
  std::array<Shard, 16> shards_;
};

/// The read cache shared by every instance through Redis (§12). Generations are Redis counters
/// (bumped by each write before it is answered, on whichever instance it ran) and a lookup reads
/// them with the value in one MGET. A write that could not bump them (its connection down)
/// reconnects at once and, on a new connection, bumps the shared epoch (which every stamp
/// carries: no value stored before is served by anyone) and then its generations, before it is
/// answered; if Redis can't be reached, this instance distrusts the cache until it has made a
/// new epoch. Every new connection (the first one too: a crashed instance may have left a bump
/// undone) makes a new epoch before the cache is used. While Redis is down, reads go to the
/// database.
class RedisReadCache final : public ReadCache {
 public:
  RedisReadCache(RedisClient& redis, Metrics& metrics, std::chrono::seconds ttl);

  Task<Lookup> find(std::string key, std::vector<std::string> resources) override;
  void store(Ticket ticket, std::string value) override;
  Task<void> written(std::vector<std::string> resources) override;

 private:
  /// Makes sure the epoch was bumped on the current connection; false when Redis is away.
  Task<bool> trusted();
  /// Bumps the generations of `resources`; false when Redis didn't take it.
  Task<bool> bump(const std::vector<std::string>& resources);

  RedisClient& redis_;
  CacheMetrics metrics_;
  std::chrono::seconds ttl_;
  std::atomic<std::uint64_t> trusted_connection_{0};  // the connection the epoch was bumped on; 0: none
  std::atomic<std::uint64_t> distrusts_{0};           // bumps that failed so far
};

}  // namespace keel::cache
