#include "resources/resource_service.hpp"

#include <algorithm>
#include <exception>
#include <set>

#include <boost/json/object.hpp>

#include "core/error.hpp"
#include "lists/list_page.hpp"

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
bool readable(const Resource& r, const std::optional<Principal>& caller, const Row& row) {
  const Reach reach = reach_of(r.decl.access.at(Operation::kRead), caller);
  return reach == Reach::kAll || (reach == Reach::kOwn && owns(caller, row, r));
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

}  // namespace

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

  lists::Source source{r.table, r.select_list, {}, {}};
  if (reach == Reach::kOwn) {
    // The owner rule is part of the query: other callers' rows are never read.
    source.where = "owner_id = $1";
    source.params.emplace_back(caller->user_id);
  }
  const lists::Page page = co_await lists::fetch_page(store_.database(), std::move(source), q, cursors_);

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
  co_return out;
}

Task<Rendered> ResourceService::get(const Resource& r, std::optional<Principal> caller, std::string id) {
  const Reach reach = require(r, Operation::kRead, caller);
  const std::optional<Row> row = co_await store_.find(r, std::move(id));
  if (!row || (reach == Reach::kOwn && !owns(caller, *row, r))) throw Error::not_found("No such record");
  co_return render(r, *row);
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
  require(r, Operation::kCreate, caller);
  std::vector<storage::Value> values = parse_create(r, body);
  std::optional<std::string> owner;
  if (caller) owner = caller->user_id;
  Row stored;
  std::exception_ptr conflict;  // a unique or reference failure, looked at outside the catch
  try {
    co_await store_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
      std::vector<const storage::Value*> refs;
      for (const auto& v : values) refs.push_back(&v);
      co_await check_refs(tx, r, caller, refs);
      stored = co_await store_.insert(tx, r, std::move(values), owner);
    });
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
  co_return render(r, stored);
}

Task<Rendered> ResourceService::update(const Resource& r, std::optional<Principal> caller, std::string id,
                                       boost::json::object body, std::optional<std::string> if_match) {
  const Reach reach = require(r, Operation::kUpdate, caller);
  const FieldValues changes = parse_patch(r, body);
  Row stored;
  co_await store_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    const std::optional<Row> current = co_await store_.find_for_update(tx, r, id);
    if (!current || !readable(r, caller, *current)) throw Error::not_found("No such record");
    if (reach == Reach::kOwn && !owns(caller, *current, r)) deny(caller);
    check_if_match(if_match, r, *current);
    std::vector<const storage::Value*> refs;
    for (const auto& c : changes) refs.push_back(c ? &*c : nullptr);
    co_await check_refs(tx, r, caller, refs);
    stored = co_await store_.update(tx, r, id, changes);
  });
  co_return render(r, stored);
}

Task<void> ResourceService::remove(const Resource& r, std::optional<Principal> caller, std::string id,
                                   std::optional<std::string> if_match) {
  const Reach reach = require(r, Operation::kDelete, caller);
  co_await store_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    const std::optional<Row> current = co_await store_.find_for_update(tx, r, id);
    if (!current || !readable(r, caller, *current)) throw Error::not_found("No such record");
    if (reach == Reach::kOwn && !owns(caller, *current, r)) deny(caller);
    check_if_match(if_match, r, *current);
    co_await store_.remove(tx, r, id);
  });
}

}  // namespace keel::resources
