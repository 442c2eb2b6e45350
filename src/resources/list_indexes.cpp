#include "resources/list_indexes.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/metrics.hpp"
#include "resources/resource_schema.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::resources {
namespace {

// Shapes followed per resource: their number is bounded by the declared columns, but not small
// (every subset of filters times every sort). Past this, new shapes are only counted.
constexpr std::size_t kShapesTracked = 1024;

std::string column_list(const lists::IndexColumns& index) {
  std::string out;
  for (const auto& c : index.columns) {
    if (!out.empty()) out += ", ";
    out += c.name;
    if (c.descending) out += " DESC";
  }
  return out;
}

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

ListIndexes::ListIndexes(storage::Database& db, const Model& model, Metrics& metrics, ListIndexOptions options)
    : db_(db),
      options_(options),
      outcomes_(metrics.counter("keel_list_auto_indexes_total",
                                "Automatic list indexes, by outcome: built, failed, or not built (limit reached).",
                                {"result"})) {
  auto& unserved = metrics.counter("keel_list_unindexed_pages_total",
                                   "List pages read with no index serving their filters and sort (sorted in full).",
                                   {"resource"});
  for (const char* result : {"built", "failed", "limit"}) outcomes_.series({result});
  for (const Resource& r : model.resources()) {
    PerResource& p = resources_[r.decl.name];
    p.resource = &r;
    p.indexes = list_indexes(r.decl);
    p.unserved = &unserved.series({r.decl.name});
  }
}

Task<void> ListIndexes::load() {
  for (auto& [name, p] : resources_) {
    storage::Params params;
    params.emplace_back(name);
    const storage::Result names = co_await db_.query(std::string(db_.dialect().index_names()), std::move(params));
    for (const auto& row : names.rows) {
      // "<table>__<col>_<-col>_..._id__auto"; long names end in a hash instead and are found
      // when their shape is first built (CREATE INDEX IF NOT EXISTS finds them).
      std::string_view n = std::get<std::string>(row.at(0));
      const std::string prefix = name + "__";
      if (!n.starts_with(prefix) || !n.ends_with("__auto")) continue;
      n = n.substr(prefix.size(), n.size() - prefix.size() - 6);
      lists::IndexColumns index;
      bool known = true;
      while (known && !n.empty()) {
        const auto cut = n.find('_');
        std::string_view part = n.substr(0, cut);
        n = cut == std::string_view::npos ? std::string_view() : n.substr(cut + 1);
        const bool descending = part.starts_with('-');
        if (descending) part.remove_prefix(1);
        known = p.resource->catalog.find(part) != nullptr;
        index.columns.push_back({std::string(part), descending});
      }
      if (known && !index.columns.empty()) {
        std::lock_guard lock(mutex_);
        p.indexes.push_back(std::move(index));
      }
    }
  }
}

void ListIndexes::observe(const Resource& r, const lists::Shape& shape, std::chrono::nanoseconds rows_time) {
  std::string key = shape.key();
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    const auto found = resources_.find(r.decl.name);
    if (found == resources_.end()) return;  // not a declared resource: nothing to build on
    PerResource& p = found->second;
    auto it = p.shapes.find(key);
    if (it == p.shapes.end()) {
      const bool served =
          std::any_of(p.indexes.begin(), p.indexes.end(), [&](const auto& i) { return lists::serves(i, shape); });
      if (served || p.shapes.size() < kShapesTracked) {
        it = p.shapes.emplace(key, Tracked{shape, {}, served ? State::kServed : State::kWatching}).first;
      }
    }
    if (it != p.shapes.end() && it->second.state == State::kServed) return;
    p.unserved->inc();
    if (it == p.shapes.end() || it->second.state != State::kWatching) return;
    it->second.spent += rows_time;
    if (it->second.spent < options_.build_after) return;
    if (options_.per_resource == 0) {
      it->second.state = State::kGivenUp;
    } else {
      it->second.state = State::kQueued;
      queue_.push_back({&r, shape});
      queued = true;
    }
  }
  if (queued) {
    if (wake_) wake_();
  } else {
    spdlog::warn("lists: {} {} read their pages without an index that serves them ({:.1f} s so far); "
                 "AUTO_INDEXES is 0, so {}",
                 r.decl.name, shape.describe(), seconds(options_.build_after), declaration_hint(r, shape));
  }
}

Task<void> ListIndexes::build_queued() {
  for (;;) {
    Queued next{nullptr, {}};
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) co_return;
      next = std::move(queue_.front());
      queue_.erase(queue_.begin());
    }
    co_await build(*next.resource, next.shape);
  }
}

Task<void> ListIndexes::build(const Resource& r, const lists::Shape& shape) {
  const lists::IndexColumns index = lists::index_for(shape);
  const std::string& table = r.decl.name;
  const std::string name = auto_index_name(table, index);
  const std::string key = shape.key();
  bool failed = false;
  try {
    storage::Params params;
    params.emplace_back(table);
    const storage::Result names = co_await db_.query(std::string(db_.dialect().index_names()), std::move(params));
    std::size_t automatic = 0;
    bool exists = false;
    for (const auto& row : names.rows) {
      const auto& n = std::get<std::string>(row.at(0));
      if (n == name) exists = true;
      if (n.ends_with("__auto")) ++automatic;
    }
    if (!exists && automatic >= options_.per_resource) {
      outcomes_.series({"limit"}).inc();
      spdlog::warn("lists: {} {} read their pages without an index that serves them; {} already has {} automatic "
                   "index(es), the most AUTO_INDEXES allows, so {}",
                   table, shape.describe(), table, automatic, declaration_hint(r, shape));
      settle(r, key, State::kGivenUp, nullptr);
      co_return;
    }
    if (!exists) {
      spdlog::info("lists: building index {} on {} ({}) for lists {}: their pages spent {:.1f} s sorting without one",
                   name, table, column_list(index), shape.describe(), seconds(options_.build_after));
      const auto started = std::chrono::steady_clock::now();
      co_await db_.execute(create_auto_index_sql(table, index, db_.dialect()));
      spdlog::info("lists: built index {} in {} ms", name,
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                       .count());
      outcomes_.series({"built"}).inc();
    }
    settle(r, key, State::kServed, &index);
  } catch (const std::exception& e) {
    outcomes_.series({"failed"}).inc();
    spdlog::warn("lists: building index {} on {} failed ({}); lists {} go on sorting their matches: {}", name, table,
                 e.what(), shape.describe(), declaration_hint(r, shape));
    settle(r, key, State::kGivenUp, nullptr);
    failed = true;
  }
  if (failed) co_await drop_if_unusable(name);  // no co_await inside a catch block
}

// A build cut short (a timeout, the database gone) can leave an unusable index behind on
// PostgreSQL, which IF NOT EXISTS would keep for good: drop it, so a later start can try again.
// Only an unusable one: the failure may be another instance building the same index, which
// must stay.
Task<void> ListIndexes::drop_if_unusable(const std::string& name) {
  const auto& d = db_.dialect();
  if (d.unusable_index().empty()) co_return;
  try {
    storage::Params params;
    params.emplace_back(quoted(name));
    const storage::Result r = co_await db_.query(std::string(d.unusable_index()), std::move(params));
    if (!r.rows.empty()) co_await db_.execute(fmt::format("DROP INDEX {}IF EXISTS {}", d.build_index_online(), quoted(name)));
  } catch (const std::exception& e) {
    spdlog::warn("lists: could not check or drop the unfinished index {} ({}); drop it by hand if it stays", name,
                 e.what());
  }
}

void ListIndexes::settle(const Resource& r, const std::string& key, State state, const lists::IndexColumns* index) {
  std::lock_guard lock(mutex_);
  PerResource& p = resources_.at(r.decl.name);
  if (index) {
    p.indexes.push_back(*index);
    // Shapes it also serves (e.g. the same filter sorted the other way) stop counting too.
    for (auto& [k, t] : p.shapes) {
      if (t.state == State::kWatching && lists::serves(*index, t.shape)) t.state = State::kServed;
    }
  }
  if (auto it = p.shapes.find(key); it != p.shapes.end()) it->second.state = state;
}

std::string ListIndexes::declaration_hint(const Resource& r, const lists::Shape& shape) const {
  const auto& list_rule = r.decl.access.at(Operation::kList);
  const bool owner_twin = std::find(list_rule.begin(), list_rule.end(), "owner") != list_rule.end();
  std::vector<std::string> columns;
  for (const auto& e : shape.equal) {
    if (!(owner_twin && e == "ownerId")) columns.push_back(e);
  }
  bool mixed = false;
  for (const auto& o : shape.order) {
    if (o.descending != shape.order.front().descending) mixed = true;
    if (o.name != "id") columns.push_back(o.name);
  }
  if (mixed) return "no declared index can serve them (sort directions differ)";
  if (columns.empty()) return "no declared index would help";
  std::string list;
  for (const auto& c : columns) {
    if (!list.empty()) list += ", ";
    list += c;
  }
  return fmt::format("declaring `indexes: [[{}]]` on {} in the resources file would serve them", list, r.decl.name);
}

}  // namespace keel::resources
