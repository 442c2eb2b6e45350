#include "resources/resource_service.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include <boost/json/object.hpp>

#include "cache/read_cache.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "lists/list_page.hpp"
#include "lists/list_shape.hpp"

namespace keel::resources {
namespace {

bool is_admin(const std::optional<Principal>& caller) { return caller && caller->role == "admin"; }

// Denied: anonymous callers are asked to sign in, signed-in ones are refused.
[[noreturn]] void deny(const std::optional<Principal>& caller) {
  if (!caller) throw Error::unauthorized();
  throw Error::forbidden("The access rules of this resource do not allow this");
}

Reach require(const Resource& r, Operation op, const std::optional<Principal>& caller) {
  const Reach reach = reach_of(r.decl.access.at(op), caller);
  if (reach == Reach::kNone) deny(caller);
  return reach;
}

bool owns(const std::optional<Principal>& caller, const Row& row, const Resource& r) {
  const auto* owner = std::get_if<std::string>(&row[r.owner_column()]);
  return caller && owner && *owner == caller->user_id;
}

// Whether the caller may see this record at all; records they may not are "not found".
bool may_read(const Resource& r, const std::optional<Principal>& caller, const Row& row) {
  const Reach reach = reach_of(r.decl.access.at(Operation::kRead), caller);
  return reach == Reach::kAll || (reach == Reach::kOwn && owns(caller, row, r));
}

std::optional<std::string> actor_of(const std::optional<Principal>& caller) {
  if (!caller) return std::nullopt;
  return caller->user_id;
}

events::Event event_of(const Resource& r, std::string_view change, const Row& row, std::optional<std::string> actor) {
  return events::Event{r.decl.name + "." + std::string(change), r.decl.name, std::get<std::string>(row[0]),
                       std::move(actor), record_json(r, row)};
}

Rendered render(const Resource& r, const Row& row) {
  Rendered out{std::get<std::string>(row[0]), record_json(r, row), {}};
  out.etag = etag_of(out.json);
  return out;
}

void check_if_match(const std::optional<std::string>& if_match, const Resource& r, const Row& current) {
  if (if_match && !etag_matches(*if_match, render(r, current).etag)) {
    throw Error(ErrorCode::kPreconditionFailed, "The record has changed since it was read (If-Match)");
  }
}

// A record in the read cache: "<owner id>\n<etag>\n<json>", or "-" for none (a record that
// isn't there is "not found" for everyone, and cached as such).
std::string cached_record(const Resource& r, const std::optional<Row>& row) {
  if (!row) return "-";
  const auto* owner = std::get_if<std::string>(&(*row)[r.owner_column()]);
  const Rendered rendered = render(r, *row);
  std::string out = owner ? *owner : std::string();
  out += '\n';
  out += rendered.etag;
  out += '\n';
  out += rendered.json;
  return out;
}

// The cache key of a list page: the resource, the caller's scope (whose rows a list reads), the
// reach of each expanded ref (whose records replace ids) and the query parameters as sent, each
// length-prefixed so no two different requests share a key.
void append_sized(std::string& key, std::string_view part) {
  key += std::to_string(part.size());
  key += ':';
  key += part;
}

}  // namespace

ResourceService::ResourceService(const Model& model, ResourceStore& store, const lists::CursorCodec& cursors,
                                 events::EventLog& events, lists::CountCache* totals, ListIndexes* indexes,
                                 cache::ReadCache* cache)
    : model_(model),
      store_(store),
      cursors_(cursors),
      totals_(totals),
      indexes_(indexes),
      events_(events),
      cache_(cache) {
  for (const Resource& s : model_.resources()) {
    all_resources_.push_back(s.decl.name);
    for (std::size_t i = 0; i < s.decl.fields.size(); ++i) {
      const FieldDecl& f = s.decl.fields[i];
      if (f.type != FieldType::kRef || f.on_delete == OnDelete::kRestrict) continue;
      referrers_[model_.find(f.ref_resource)].emplace_back(&s, i);
    }
  }
  for (const Resource& s : model_.resources()) {
    std::set<const Resource*> seen{&s};
    std::vector<const Resource*> todo{&s};
    while (!todo.empty()) {
      const Resource* at = todo.back();
      todo.pop_back();
      if (const auto it = referrers_.find(at); it != referrers_.end()) {
        for (const auto& [referrer, field] : it->second) {
          if (seen.insert(referrer).second) todo.push_back(referrer);
        }
      }
    }
    for (const Resource* t : seen) delete_touches_[&s].push_back(t->decl.name);
  }
}

Task<void> ResourceService::write(std::function<Task<void>(storage::Transaction&)> body,
                                  const std::vector<std::string>& touched) {
  std::exception_ptr failure;
  try {
    co_await store_.database().transaction(std::move(body));
  } catch (...) {
    failure = std::current_exception();
  }
  if (cache_) co_await cache_->written(touched);
  if (failure) std::rethrow_exception(failure);
}

Task<void> ResourceService::owner_deleted() {
  if (cache_) co_await cache_->written(all_resources_);
}

Reach reach_of(const AccessRule& rule, const std::optional<Principal>& caller) noexcept {
  if (is_admin(caller)) return Reach::kAll;
  Reach best = Reach::kNone;
  for (const std::string& grant : rule) {
    if (grant == "public") return Reach::kAll;
    if (!caller) continue;
    if (grant == "authenticated") return Reach::kAll;
    if (grant.starts_with("role:") && grant.compare(5, std::string::npos, caller->role) == 0) return Reach::kAll;
    if (grant == "owner") best = Reach::kOwn;
  }
  return best;
}

bool etag_matches(std::string_view header, std::string_view etag) noexcept {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == "*") return true;
    if (item.starts_with("W/")) item.remove_prefix(2);  // weak comparison: the tags are ours
    if (item == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

Task<RenderedList> ResourceService::list(const Resource& r, std::optional<Principal> caller,
                                         std::vector<std::pair<std::string, std::string>> params) {
  const Reach reach = require(r, Operation::kList, caller);
  lists::ListOptions options{r.refs, caller ? caller->user_id : std::string()};
  const lists::ListQuery q = lists::parse_list_query(params, r.catalog, cursors_, options);

  // The cache: keyed by the query and by what this caller may see of the resource and of each
  // expanded one; stamped with the generations of all of them.
  cache::Ticket ticket;
  if (cache_) {
    std::string key = "list\n" + r.decl.name + "\n";
    append_sized(key, reach == Reach::kOwn ? caller->user_id : std::string("*"));
    std::vector<std::string> depends{r.decl.name};
    for (const std::string& field : q.expand) {
      const FieldDecl& f = r.decl.fields[static_cast<std::size_t>(r.field_index(field))];
      const Reach target_reach = reach_of(model_.find(f.ref_resource)->decl.access.at(Operation::kRead), caller);
      if (target_reach == Reach::kOwn) {
        key += 'o';  // the expansion shows this caller's records only
        append_sized(key, caller->user_id);
      } else {
        key += target_reach == Reach::kNone ? 'n' : 'a';
      }
      depends.push_back(f.ref_resource);
    }
    key += '\n';
    for (const auto& [name, value] : params) {
      append_sized(key, name);
      append_sized(key, value);
    }
    cache::Lookup found = co_await cache_->find(std::move(key), std::move(depends));
    if (found.value) co_return RenderedList{std::move(*found.value)};
    ticket = std::move(found.ticket);
  }

  const lists::Page page = co_await read_page(r, reach, caller, q);

  // expand: one statement per expanded field, whatever the page size.
  Expansions expansions;
  for (const std::string& field : q.expand) {
    const FieldDecl& f = r.decl.fields[static_cast<std::size_t>(r.field_index(field))];
    const Resource& target = *model_.find(f.ref_resource);
    const Reach target_reach = reach_of(target.decl.access.at(Operation::kRead), caller);
    if (target_reach == Reach::kNone) continue;  // ids stay ids: the caller may not read those
    std::set<std::string> ids;
    const std::size_t column = static_cast<std::size_t>(r.field_index(field)) + 1;
    for (const Row& row : page.rows) {
      if (const auto* id = std::get_if<std::string>(&row[column])) ids.insert(*id);
    }
    if (ids.empty()) continue;
    std::optional<std::string> owner;
    if (target_reach == Reach::kOwn) owner = caller->user_id;
    std::vector<std::string> id_list(ids.begin(), ids.end());
    const std::vector<Row> found = co_await store_.find_many(target, std::move(id_list), std::move(owner));
    auto& map = expansions[field];
    for (const Row& row : found) map.emplace(std::get<std::string>(row[0]), record_json(target, row));
  }

  std::vector<std::string> fields = q.fields;
  for (const auto& e : q.expand) {
    // An expanded field is shown even when `fields` leaves it out.
    if (!fields.empty() && std::find(fields.begin(), fields.end(), e) == fields.end()) fields.push_back(e);
  }
  RenderedList out;
  out.json = lists::render_list(page.rows.size(), q, page, [&](std::string& json, std::size_t i) {
    append_record_json(json, r, page.rows[i], fields, q.expand.empty() ? nullptr : &expansions);
  });
  if (cache_) cache_->store(std::move(ticket), out.json);
  co_return out;
}

Task<Rendered> ResourceService::get(const Resource& r, std::optional<Principal> caller, std::string id) {
  const Reach reach = require(r, Operation::kRead, caller);
  if (!cache_) {
    const std::optional<Row> row = co_await store_.find(r, std::move(id));
    if (!row || (reach == Reach::kOwn && !owns(caller, *row, r))) throw Error::not_found("No such record");
    co_return render(r, *row);
  }
  // The cached form holds the owner, so each caller's access is checked on every hit.
  std::string key = "record\n" + r.decl.name + "\n" + id;
  std::vector<std::string> depends{r.decl.name};
  cache::Lookup found = co_await cache_->find(std::move(key), std::move(depends));
  if (!found.value) {
    const std::optional<Row> row = co_await store_.find(r, std::move(id));
    found.value = cached_record(r, row);
    cache_->store(std::move(found.ticket), *found.value);
  }
  const std::string& kept = *found.value;
  const auto owner_end = kept.find('\n');
  const auto etag_end = owner_end == std::string::npos ? std::string::npos : kept.find('\n', owner_end + 1);
  if (etag_end == std::string::npos) throw Error::not_found("No such record");  // "-": none
  const std::string_view owner(kept.data(), owner_end);
  if (reach == Reach::kOwn && (!caller || owner != caller->user_id)) throw Error::not_found("No such record");
  Rendered out;
  out.id = std::move(id);
  out.etag = kept.substr(owner_end + 1, etag_end - owner_end - 1);
  out.json = kept.substr(etag_end + 1);
  co_return out;
}

Task<std::optional<Row>> ResourceService::find(const Resource& r, std::optional<Principal> caller, std::string id) {
  const Reach reach = require(r, Operation::kRead, caller);
  std::optional<Row> row = co_await store_.find(r, std::move(id));
  if (row && reach == Reach::kOwn && !owns(caller, *row, r)) row.reset();
  co_return row;
}

Task<lists::Page> ResourceService::page(const Resource& r, std::optional<Principal> caller, lists::ListQuery q) {
  const Reach reach = require(r, Operation::kList, caller);
  co_return co_await read_page(r, reach, caller, q);
}

Task<lists::Page> ResourceService::read_page(const Resource& r, Reach reach, const std::optional<Principal>& caller,
                                             const lists::ListQuery& q) {
  lists::Source source{r.table, r.select_list, {}, {}};
  if (reach == Reach::kOwn) {
    // The owner rule is part of the query: other callers' rows are never read.
    source.where = "owner_id = $1";
    source.params.emplace_back(caller->user_id);
  }
  lists::Page page = co_await lists::fetch_page(store_.database(), std::move(source), q, cursors_, totals_);
  if (indexes_) {
    std::vector<std::string> scope;
    if (reach == Reach::kOwn) scope.emplace_back("ownerId");
    indexes_->observe(r, lists::shape_of(q, scope), page.rows_time);
  }
  co_return page;
}

Task<std::vector<Row>> ResourceService::readable(const Resource& r, std::optional<Principal> caller,
                                                 std::vector<std::string> ids) {
  const Reach reach = reach_of(r.decl.access.at(Operation::kRead), caller);
  if (reach == Reach::kNone || ids.empty()) co_return std::vector<Row>{};
  std::optional<std::string> owner;
  if (reach == Reach::kOwn) owner = caller->user_id;
  co_return co_await store_.find_many(r, std::move(ids), std::move(owner));
}

Task<std::map<std::string, RefPage>> ResourceService::pages_by_ref(const Resource& r, std::optional<Principal> caller,
                                                                   std::size_t field, std::vector<std::string> parents,
                                                                   lists::ListQuery q) {
  const Reach reach = require(r, Operation::kList, caller);
  std::map<std::string, RefPage> out;
  const lists::Column& ref = *r.catalog.find(r.decl.fields.at(field).name);
  storage::Params params;
  std::string in;
  for (std::string& id : parents) {
    if (!is_uuid(id) || out.count(id)) continue;
    out[id];
    params.emplace_back(std::move(id));
    in += (in.empty() ? "$" : ", $") + std::to_string(params.size());
  }
  if (out.empty()) co_return out;
  if (reach == Reach::kOwn) {
    params.emplace_back(caller->user_id);
    in += ") AND owner_id = $" + std::to_string(params.size());
  } else {
    in += ')';
  }
  const std::string scope = ref.sql + " IN (" + in;  // "<ref> IN ($1, ...) [AND owner_id = $n]"
  storage::Database& db = store_.database();

  // Each parent's page is the first limit + 1 rows of its partition in the list's order: one
  // statement for every parent (the extra row says whether another page follows).
  std::vector<storage::Statement> reads;
  {
    storage::Params p = params;
    lists::ListSql sql(db.dialect(), p);
    const std::string where = lists::where_all({scope, sql.filters(q), sql.after(q)});
    std::string text = "SELECT * FROM (SELECT " + r.select_list + ", ROW_NUMBER() OVER (PARTITION BY " + ref.sql +
                       " ORDER BY " + sql.order_by(q) + ") AS keel_rank FROM " + r.table + " WHERE " + where +
                       ") AS ranked WHERE keel_rank <= " + std::to_string(q.limit + 1) + " ORDER BY keel_rank";
    reads.push_back({std::move(text), std::move(p)});
  }
  if (q.total) {
    storage::Params p = params;
    lists::ListSql sql(db.dialect(), p);
    std::string text = "SELECT " + ref.sql + ", count(*) FROM " + r.table + " WHERE " +
                       lists::where_all({scope, sql.filters(q)}) + " GROUP BY " + ref.sql;
    reads.push_back({std::move(text), std::move(p)});
  }
  std::vector<storage::Result> results = co_await db.query_all(std::move(reads));
  for (Row& row : results.front().rows) {
    row.pop_back();  // keel_rank
    RefPage& page = out[std::get<std::string>(row[ref.row_index])];
    if (static_cast<std::int64_t>(page.rows.size()) == q.limit) {
      if (!page.next_cursor) {
        std::vector<storage::Value> position;
        for (const lists::SortKey& k : q.sort) position.push_back(page.rows.back()[k.column->row_index]);
        page.next_cursor = cursors_.encode(q.scope, position);
      }
      continue;
    }
    page.rows.push_back(std::move(row));
  }
  if (q.total) {
    for (const Row& row : results.back().rows) {
      out[std::get<std::string>(row[0])].total = std::get<std::int64_t>(row[1]);
    }
  }
  co_return out;
}

// A ref must name a record that exists and that the caller may read (API.md §5).
Task<void> ResourceService::check_refs(storage::Transaction& tx, const Resource& r,
                                       const std::optional<Principal>& caller,
                                       const std::vector<const storage::Value*>& values) {
  ErrorDetails details;
  for (std::size_t i = 0; i < r.decl.fields.size(); ++i) {
    const FieldDecl& f = r.decl.fields[i];
    if (f.type != FieldType::kRef || !values[i]) continue;
    const auto* id = std::get_if<std::string>(values[i]);
    if (!id) continue;
    const Resource& target = *model_.find(f.ref_resource);
    const Reach reach = reach_of(target.decl.access.at(Operation::kRead), caller);
    std::optional<std::string> owner = co_await store_.owner_of(tx, target, *id);
    const bool ok = owner && (reach == Reach::kAll || (reach == Reach::kOwn && caller && *owner == caller->user_id));
    if (!ok) details[f.name] = "must be the id of a " + f.ref_resource + " record you can read";
  }
  if (!details.empty()) throw Error::validation(std::move(details));
}

Task<Rendered> ResourceService::create(const Resource& r, std::optional<Principal> caller,
                                       boost::json::object body) {
  const Row stored = co_await create_row(r, std::move(caller), std::move(body));
  co_return render(r, stored);
}

Task<Row> ResourceService::create_row(const Resource& r, std::optional<Principal> caller, boost::json::object body) {
  require(r, Operation::kCreate, caller);
  std::vector<storage::Value> values = parse_create(r, body);
  std::optional<std::string> owner;
  if (caller) owner = caller->user_id;
  Row stored;
  std::exception_ptr conflict;  // a unique or reference failure, looked at outside the catch
  const std::vector<std::string> touched{r.decl.name};
  try {
    co_await write([&](storage::Transaction& tx) -> Task<void> {
      std::vector<const storage::Value*> refs;
      for (const auto& v : values) refs.push_back(&v);
      co_await check_refs(tx, r, caller, refs);
      stored = co_await store_.insert(tx, r, std::move(values), owner);
      co_await events_.record(tx, event_of(r, "created", stored, actor_of(caller)));
    }, touched);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kConflict || !owner) throw;
    conflict = std::current_exception();  // no co_await inside a handler
  }
  if (conflict) {
    // The refs were checked in the transaction, so a failed reference is most likely the owner:
    // a correctly signed token whose user is gone (or never was) is a 401, not a 409.
    if (!co_await store_.user_exists(*owner)) throw Error::unauthorized("The access token's user does not exist");
    std::rethrow_exception(conflict);
  }
  co_return stored;
}

Task<Rendered> ResourceService::update(const Resource& r, std::optional<Principal> caller, std::string id,
                                       boost::json::object body, std::optional<std::string> if_match) {
  const Row stored = co_await update_row(r, std::move(caller), std::move(id), std::move(body), std::move(if_match));
  co_return render(r, stored);
}

Task<Row> ResourceService::update_row(const Resource& r, std::optional<Principal> caller, std::string id,
                                      boost::json::object body, std::optional<std::string> if_match) {
  const Reach reach = require(r, Operation::kUpdate, caller);
  const FieldValues changes = parse_patch(r, body);
  Row stored;
  const std::vector<std::string> touched{r.decl.name};
  co_await write([&](storage::Transaction& tx) -> Task<void> {
    const std::optional<Row> current = co_await store_.find_for_update(tx, r, id);
    if (!current || !may_read(r, caller, *current)) throw Error::not_found("No such record");
    if (reach == Reach::kOwn && !owns(caller, *current, r)) deny(caller);
    check_if_match(if_match, r, *current);
    std::vector<const storage::Value*> refs;
    for (const auto& c : changes) refs.push_back(c ? &*c : nullptr);
    co_await check_refs(tx, r, caller, refs);
    stored = co_await store_.update(tx, r, id, changes);
    events::Event event = event_of(r, "updated", stored, actor_of(caller));
    event.previous = record_json(r, *current);
    co_await events_.record(tx, std::move(event));
  }, touched);
  co_return stored;
}

Task<void> ResourceService::remove(const Resource& r, std::optional<Principal> caller, std::string id,
                                   std::optional<std::string> if_match) {
  const Reach reach = require(r, Operation::kDelete, caller);
  co_await write([&](storage::Transaction& tx) -> Task<void> {
    const std::optional<Row> current = co_await store_.find_for_update(tx, r, id);
    if (!current || !may_read(r, caller, *current)) throw Error::not_found("No such record");
    if (reach == Reach::kOwn && !owns(caller, *current, r)) deny(caller);
    check_if_match(if_match, r, *current);
    // The events first, while the records are still there to be read: a delete that fails (a
    // restrict) rolls them back with it.
    Doomed doomed;  // named: g++ 12 can't co_await with a braced list in it
    doomed.emplace_back(&r, *current);
    std::vector<events::Event> events = co_await deletion_events(tx, std::move(doomed), actor_of(caller));
    co_await events_.record(tx, std::move(events));
    co_await store_.remove(tx, r, id);
  }, delete_touches_.at(&r));
}

Task<void> ResourceService::record_owner_deletion(storage::Transaction& tx, std::string user_id,
                                                  std::optional<std::string> actor) {
  Doomed doomed;
  for (const Resource& r : model_.resources()) {
    for (Row& row : co_await store_.owned_by(tx, r, user_id)) doomed.emplace_back(&r, std::move(row));
  }
  if (doomed.empty()) co_return;
  std::vector<events::Event> events = co_await deletion_events(tx, std::move(doomed), std::move(actor));
  co_await events_.record(tx, std::move(events));
}

// Breadth first through the declarations, one statement per referring field and level (not per
// record); each record once, however many paths lead to it (cycles included). A record that
// both loses a ref and is deleted is recorded as deleted only.
Task<std::vector<events::Event>> ResourceService::deletion_events(storage::Transaction& tx, Doomed doomed,
                                                                  std::optional<std::string> actor) {
  std::set<std::pair<const Resource*, std::string>> deleted;
  for (const auto& [r, row] : doomed) deleted.emplace(r, std::get<std::string>(row[0]));
  // Set to null: record -> its row with every ref to a deleted record nulled.
  std::map<std::pair<const Resource*, std::string>, Row> nulled;

  std::size_t level_start = 0;
  while (level_start < doomed.size()) {
    const std::size_t level_end = doomed.size();
    // The ids deleted at this level, by resource.
    std::map<const Resource*, std::vector<std::string>> ids;
    for (std::size_t i = level_start; i < level_end; ++i) {
      ids[doomed[i].first].push_back(std::get<std::string>(doomed[i].second[0]));
    }
    for (const auto& [target, target_ids] : ids) {
      const auto refs = referrers_.find(target);
      if (refs == referrers_.end()) continue;
      for (const auto& [s, field] : refs->second) {
        std::vector<Row> rows = co_await store_.referencing(tx, *s, field, target_ids);
        const bool cascade = s->decl.fields[field].on_delete == OnDelete::kCascade;
        for (Row& row : rows) {
          std::pair<const Resource*, std::string> key{s, std::get<std::string>(row[0])};
          if (cascade) {
            if (deleted.insert(key).second) doomed.emplace_back(s, std::move(row));
          } else {
            auto it = nulled.try_emplace(std::move(key), std::move(row)).first;
            it->second[field + 1] = nullptr;  // column of field i is i + 1 (after id)
          }
        }
      }
    }
    level_start = level_end;
  }

  std::vector<events::Event> out;
  out.reserve(doomed.size() + nulled.size());
  for (const auto& [r, row] : doomed) out.push_back(event_of(*r, "deleted", row, actor));
  for (const auto& [key, row] : nulled) {
    if (!deleted.contains(key)) out.push_back(event_of(*key.first, "updated", row, actor));
  }
  co_return out;
}

}  // namespace keel::resources
