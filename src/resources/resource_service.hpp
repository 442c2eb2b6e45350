#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/json/fwd.hpp>

#include "core/async.hpp"
#include "core/principal.hpp"
#include "events/event_log.hpp"
#include "lists/count_cache.hpp"
#include "lists/list_page.hpp"
#include "lists/list_query.hpp"
#include "resources/list_indexes.hpp"
#include "resources/resource_model.hpp"
#include "resources/resource_store.hpp"

namespace keel::cache {
class ReadCache;
}

namespace keel::resources {

/// How much of a resource an access rule lets the caller touch.
enum class Reach { kNone, kOwn, kAll };

/// What `rule` grants `caller` (API.md §5): admins everything; `public`, `authenticated` and a
/// matching `role:` all records; `owner` the caller's own.
Reach reach_of(const AccessRule& rule, const std::optional<Principal>& caller) noexcept;

/// A record as the API shows it, with its ETag.
struct Rendered {
  std::string id;
  std::string json;
  std::string etag;
};

/// A list page, rendered: `{"data":[...],"meta":{...}}`.
struct RenderedList {
  std::string json;
};

/// One parent's page of a reverse relation (GraphQL's `Project.tasks`).
struct RefPage {
  std::vector<Row> rows;
  std::optional<std::string> next_cursor;  // when more follow
  std::int64_t total = 0;                  // every match of this parent, when counted
};

/// The rules of resources: access, ref checks, conditional requests and atomic writes.
/// Errors are keel::Error: UNAUTHORIZED/FORBIDDEN by the access rules, NOT_FOUND for records the
/// caller may not read, VALIDATION_ERROR, PRECONDITION_FAILED, CONFLICT.
class ResourceService {
 public:
  /// Every write records its event (and its cascades' events) in `events`, in its transaction.
  /// Lists' totals come from `totals` when given (counted again only after a write); list pages
  /// are noted in `indexes` when given (indexes built for shapes none serves). With `cache`,
  /// records and list pages are served from it while no write touched what they were read from.
  ResourceService(const Model& model, ResourceStore& store, const lists::CursorCodec& cursors,
                  events::EventLog& events, lists::CountCache* totals = nullptr, ListIndexes* indexes = nullptr,
                  cache::ReadCache* cache = nullptr);

  /// One page of records the caller may list, as the query parameters ask.
  Task<RenderedList> list(const Resource& r, std::optional<Principal> caller,
                          std::vector<std::pair<std::string, std::string>> params);
  /// A record the caller may read.
  Task<Rendered> get(const Resource& r, std::optional<Principal> caller, std::string id);
  /// Creates a record from a validated body, owned by the caller.
  Task<Rendered> create(const Resource& r, std::optional<Principal> caller, boost::json::object body);
  /// Applies a partial update; `if_match` is the request's If-Match header, if any.
  Task<Rendered> update(const Resource& r, std::optional<Principal> caller, std::string id,
                        boost::json::object body, std::optional<std::string> if_match);
  /// Deletes a record; `if_match` as for update.
  Task<void> remove(const Resource& r, std::optional<Principal> caller, std::string id,
                    std::optional<std::string> if_match);

  // The same rules for GraphQL, on rows rather than rendered JSON. The read cache is not used.

  /// The record if the caller may read it; nullopt when it is absent or not theirs. Throws the
  /// read rule's 401/403.
  Task<std::optional<Row>> find(const Resource& r, std::optional<Principal> caller, std::string id);
  /// A page of records the caller may list (the owner rule inside the SQL), for a query built
  /// by the caller (GraphQL's arguments). Throws the list rule's 401/403, database errors.
  Task<lists::Page> page(const Resource& r, std::optional<Principal> caller, lists::ListQuery q);
  /// Of `ids`, the records of `r` the caller may read, in one statement (none when the read
  /// rule grants the caller nothing): what GraphQL shows for refs, null for the others.
  Task<std::vector<Row>> readable(const Resource& r, std::optional<Principal> caller, std::vector<std::string> ids);
  /// For each of `parents`, the page of records of `r` whose ref field `field` (a field index)
  /// holds the parent's id, filtered, sorted and after q's cursor; with q.total, each parent's
  /// count of matches. One statement for the pages (and one for the counts), whatever the number
  /// of parents. Throws the list rule's 401/403.
  Task<std::map<std::string, RefPage>> pages_by_ref(const Resource& r, std::optional<Principal> caller,
                                                    std::size_t field, std::vector<std::string> parents,
                                                    lists::ListQuery q);
  /// create() returning the stored row.
  Task<Row> create_row(const Resource& r, std::optional<Principal> caller, boost::json::object body);
  /// update() returning the stored row.
  Task<Row> update_row(const Resource& r, std::optional<Principal> caller, std::string id, boost::json::object body,
                       std::optional<std::string> if_match);

  /// Inside `tx`, before a user is deleted: records an event for each record the deletion
  /// takes with it (the user's own records, and what their onDelete rules delete or set to
  /// null), each as it was (API.md §9). `actor` is who deletes the user.
  Task<void> record_owner_deletion(storage::Transaction& tx, std::string user_id, std::optional<std::string> actor);
  /// After a user's deletion (committed or not), before it is answered: the read cache forgets
  /// what it took with it.
  Task<void> owner_deleted();

  const Model& model() const noexcept { return model_; }

 private:
  /// A page for list() and page(), once the list rule gave `reach`: the owner rule in the SQL,
  /// the page's shape noted for automatic indexes.
  Task<lists::Page> read_page(const Resource& r, Reach reach, const std::optional<Principal>& caller,
                              const lists::ListQuery& q);
  /// A record deleted in a transaction, and where the deletion started.
  using Doomed = std::vector<std::pair<const Resource*, Row>>;
  /// Events for `doomed` (already locked, about to be deleted) and for everything their
  /// deletion cascades to or sets to null, found level by level through the declarations.
  Task<std::vector<events::Event>> deletion_events(storage::Transaction& tx, Doomed doomed,
                                                   std::optional<std::string> actor);

  Task<void> check_refs(storage::Transaction& tx, const Resource& r, const std::optional<Principal>& caller,
                        const std::vector<const storage::Value*>& values);
  /// Runs a write's transaction, then tells the read cache that `touched` changed — after a
  /// failure too (a lost connection may hide a commit).
  Task<void> write(std::function<Task<void>(storage::Transaction&)> body, const std::vector<std::string>& touched);

  const Model& model_;
  ResourceStore& store_;
  const lists::CursorCodec& cursors_;
  lists::CountCache* totals_;
  ListIndexes* indexes_;
  events::EventLog& events_;
  cache::ReadCache* cache_;
  // For each resource, what a delete of one of its records may change: itself, and what refers
  // to it with cascade or setNull, transitively.
  std::unordered_map<const Resource*, std::vector<std::string>> delete_touches_;
  std::vector<std::string> all_resources_;
  // For each resource, the (resource, field index) of the refs pointing at it with cascade or
  // setNull (restrict refuses the delete: nothing to record).
  std::unordered_map<const Resource*, std::vector<std::pair<const Resource*, std::size_t>>> referrers_;
};

/// True when an If-None-Match / If-Match header value names `etag` (or is `*`).
bool etag_matches(std::string_view header, std::string_view etag) noexcept;

}  // namespace keel::resources
