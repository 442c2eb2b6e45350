#include "cache/read_cache.hpp"

#include <charconv>
#include <exception>
#include <functional>

#include "cache/redis_client.hpp"
#include "core/metrics.hpp"

namespace keel::cache {
namespace {

void append_number(std::string& out, std::int64_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

constexpr const char* kEpochKey = "keel:cache:epoch";

std::string generation_key(const std::string& resource) { return "keel:cache:gen:" + resource; }
std::string value_key(const std::string& key) { return "keel:cache:value:" + key; }

// KEYS: the generations of a write's resources.
constexpr const char* kBumpScript = R"lua(
for _, key in ipairs(KEYS) do redis.call('INCR', key) end
return #KEYS
)lua";

}  // namespace

CacheMetrics::CacheMetrics(Metrics& metrics)
    : hits(metrics.counter("keel_cache_hits_total", "Cache lookups answered from the cache.").series({})),
      misses(metrics.counter("keel_cache_misses_total", "Cache lookups that went to the database.").series({})),
      invalidations(metrics.counter("keel_cache_invalidations_total",
                                    "Writes that made the read cache's values of their resources stale.")
                        .series({})) {}

// --- in this process -------------------------------------------------------------------------

LocalReadCache::LocalReadCache(Metrics& metrics, std::size_t max_bytes)
    : metrics_(metrics), shard_bytes_(max_bytes / 16) {}

std::string LocalReadCache::stamp_of(const std::vector<std::string>& resources) {
  std::string stamp;
  std::lock_guard l(generations_mutex_);
  for (const std::string& r : resources) {
    const auto it = generations_.find(r);
    append_number(stamp, it == generations_.end() ? 0 : it->second);
    stamp += ' ';
  }
  return stamp;
}

LocalReadCache::Shard& LocalReadCache::shard_of(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

Task<Lookup> LocalReadCache::find(std::string key, std::vector<std::string> resources) {
  Lookup out;
  out.ticket.stamp = stamp_of(resources);
  std::shared_ptr<const std::string> value;
  {
    Shard& shard = shard_of(key);
    std::lock_guard l(shard.mutex);
    const auto it = shard.entries.find(key);
    if (it != shard.entries.end() && it->second.stamp == out.ticket.stamp) value = it->second.value;
  }
  if (value) {
    metrics_.hits.inc();
    out.value = *value;
  } else {
    metrics_.misses.inc();
    out.ticket.key = std::move(key);
  }
  co_return out;
}

void LocalReadCache::store(Ticket ticket, std::string value) {
  if (ticket.stamp.empty()) return;
  const std::size_t size = ticket.key.size() + ticket.stamp.size() + value.size();
  if (size > shard_bytes_ / 4) return;  // a huge page would push everything else out
  Shard& shard = shard_of(ticket.key);
  auto kept = std::make_shared<const std::string>(std::move(value));
  std::lock_guard l(shard.mutex);
  if (shard.bytes + size > shard_bytes_) {
    shard.entries.clear();  // full: start over (bounded memory, nothing to track per read)
    shard.bytes = 0;
  }
  auto [it, inserted] = shard.entries.try_emplace(std::move(ticket.key));
  if (!inserted) shard.bytes -= it->first.size() + it->second.stamp.size() + it->second.value->size();
  it->second = Entry{std::move(ticket.stamp), std::move(kept)};
  shard.bytes += size;
}

Task<void> LocalReadCache::written(std::vector<std::string> resources) {
  {
    std::lock_guard l(generations_mutex_);
    for (const std::string& r : resources) ++generations_[r];
  }
  metrics_.invalidations.inc();
  co_return;
}

// --- through Redis ---------------------------------------------------------------------------

RedisReadCache::RedisReadCache(RedisClient& redis, Metrics& metrics, std::chrono::seconds ttl)
    : redis_(redis), metrics_(metrics), ttl_(ttl) {}

Task<bool> RedisReadCache::trusted() {
  if (!redis_.up()) co_return false;
  const std::uint64_t connection = redis_.connections();
  if (trusted_connection_.load() == connection) co_return true;
  // A new connection (or a bump that failed): whatever was stored before may predate a write
  // this instance could not announce. A new epoch retires all of it, for every instance.
  const std::uint64_t distrusts = distrusts_.load();
  std::vector<std::string> args{"INCR", kEpochKey};
  try {
    const Reply reply = co_await redis_.command(std::move(args));
    if (reply.type != Reply::Type::kInteger) co_return false;
  } catch (const std::exception&) {
    co_return false;
  }
  // (A bump that failed meanwhile wins: the next lookup makes a new epoch again.)
  if (distrusts_.load() == distrusts) trusted_connection_ = connection;
  co_return true;
}

Task<bool> RedisReadCache::bump(const std::vector<std::string>& resources) {
  std::vector<std::string> args{"EVAL", kBumpScript, std::to_string(resources.size())};
  for (const std::string& r : resources) args.push_back(generation_key(r));
  try {
    const Reply reply = co_await redis_.command(std::move(args));
    co_return reply.type == Reply::Type::kInteger;
  } catch (const std::exception&) {
    co_return false;
  }
}

Task<Lookup> RedisReadCache::find(std::string key, std::vector<std::string> resources) {
  Lookup out;
  out.ticket.key = value_key(key);
  if (!co_await trusted()) {
    metrics_.misses.inc();  // bypassed: the database answers, nothing is kept
    co_return out;
  }
  std::vector<std::string> args;
  args.reserve(resources.size() + 3);
  args.emplace_back("MGET");
  args.emplace_back(kEpochKey);
  for (const std::string& r : resources) args.push_back(generation_key(r));
  args.push_back(out.ticket.key);
  Reply reply;
  try {
    reply = co_await redis_.command(std::move(args));
  } catch (const std::exception&) {
    metrics_.misses.inc();
    co_return out;
  }
  if (reply.type != Reply::Type::kArray || reply.elements.size() != resources.size() + 2) {
    metrics_.misses.inc();
    co_return out;
  }
  // The stamp: the epoch and each generation, as Redis holds them (none yet reads as 0).
  std::string stamp;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); ++i) {
    const Reply& e = reply.elements[i];
    stamp += e.type == Reply::Type::kString ? e.text : std::string("0");
    stamp += ' ';
  }
  const Reply& kept = reply.elements.back();
  if (kept.type == Reply::Type::kString && kept.text.size() > stamp.size() && kept.text.starts_with(stamp) &&
      kept.text[stamp.size()] == '\n') {
    metrics_.hits.inc();
    out.value = kept.text.substr(stamp.size() + 1);
    co_return out;
  }
  metrics_.misses.inc();
  out.ticket.stamp = std::move(stamp);
  co_return out;
}

void RedisReadCache::store(Ticket ticket, std::string value) {
  if (ticket.stamp.empty()) return;
  std::string kept = std::move(ticket.stamp);
  kept += '\n';
  kept += value;
  redis_.post({"SET", std::move(ticket.key), std::move(kept), "EX", std::to_string(ttl_.count())});
}

Task<void> RedisReadCache::written(std::vector<std::string> resources) {
  metrics_.invalidations.inc();
  bool bumped = co_await bump(resources);
  // Not announced, because this instance's connection is down. Other instances may have theirs
  // back already (they reconnect at their own pace) and serve what this write made stale: so
  // it tries to reconnect at once, and on a new connection retires everything (a new epoch) and
  // bumps, before the write is answered. Only if Redis can't be reached now does it answer
  // unannounced; then every instance is cut off alike and makes a new epoch when it is back.
  if (!bumped && co_await redis_.reconnect_now() && co_await trusted()) bumped = co_await bump(resources);
  if (!bumped) {
    ++distrusts_;
    trusted_connection_ = 0;  // no lookup trusts the cache before a new epoch
  }
}

}  // namespace keel::cache
