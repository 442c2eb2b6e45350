// cache::LocalReadCache: a value is served only while every resource it was read from is still at
// the generation stamped before the read; memory stays within its bound.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cache/read_cache.hpp"
#include "core/metrics.hpp"
#include "core/run_sync.hpp"

namespace keel::cache {
namespace {

Lookup find(ReadCache& cache, std::string key, std::vector<std::string> resources) {
  return run_sync([&] { return cache.find(std::move(key), std::move(resources)); });
}

void written(ReadCache& cache, std::vector<std::string> resources) {
  run_sync([&] { return cache.written(std::move(resources)); });
}

TEST(LocalReadCache, ServesAValueUntilAResourceItWasReadFromIsWritten) {
  Metrics metrics;
  LocalReadCache cache(metrics, 1 << 20);
  Lookup first = find(cache, "k", {"tasks", "projects"});
  EXPECT_FALSE(first.value);
  cache.store(std::move(first.ticket), "page");
  EXPECT_EQ(find(cache, "k", {"tasks", "projects"}).value, "page");
  written(cache, {"users"});  // not one of them
  EXPECT_EQ(find(cache, "k", {"tasks", "projects"}).value, "page");
  written(cache, {"projects"});  // an expanded resource
  EXPECT_FALSE(find(cache, "k", {"tasks", "projects"}).value);
}

TEST(LocalReadCache, AValueReadBeforeAWriteIsNeverServedAfterIt) {
  Metrics metrics;
  LocalReadCache cache(metrics, 1 << 20);
  Lookup before = find(cache, "k", {"tasks"});  // stamped, then the database is read...
  written(cache, {"tasks"});                     // ...while a write commits and is answered
  cache.store(std::move(before.ticket), "old");   // the old value arrives late
  EXPECT_FALSE(find(cache, "k", {"tasks"}).value);
}

TEST(LocalReadCache, StaysWithinItsMemoryBound) {
  Metrics metrics;
  const std::size_t bound = 64 * 1024;
  LocalReadCache cache(metrics, bound);
  const std::string value(500, 'x');
  for (int i = 0; i < 10'000; ++i) {
    Lookup l = find(cache, "key" + std::to_string(i), {"tasks"});
    cache.store(std::move(l.ticket), value);
  }
  // At most bound bytes are kept: the last value is there, most of the first ones are gone.
  int kept = 0;
  for (int i = 0; i < 10'000; ++i) kept += find(cache, "key" + std::to_string(i), {"tasks"}).value.has_value();
  EXPECT_GT(kept, 0);
  EXPECT_LE(static_cast<std::size_t>(kept) * value.size(), bound);
  EXPECT_TRUE(find(cache, "key9999", {"tasks"}).value);
}

TEST(LocalReadCache, CountsHitsMissesAndInvalidations) {
  Metrics metrics;
  LocalReadCache cache(metrics, 1 << 20);
  Lookup l = find(cache, "k", {"tasks"});
  cache.store(std::move(l.ticket), "v");
  find(cache, "k", {"tasks"});
  written(cache, {"tasks"});
  const std::string text = metrics.render();
  EXPECT_NE(text.find("keel_cache_hits_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("keel_cache_misses_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("keel_cache_invalidations_total 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace keel::cache
