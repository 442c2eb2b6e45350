#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/fwd.hpp>

#include "core/async.hpp"
#include "core/principal.hpp"
#include "lists/list_query.hpp"
#include "resources/resource_model.hpp"
#include "resources/resource_store.hpp"

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

/// The rules of resources: access, ref checks, conditional requests and atomic writes.
/// Errors are keel::Error: UNAUTHORIZED/FORBIDDEN by the access rules, NOT_FOUND for records the
/// caller may not read, VALIDATION_ERROR, PRECONDITION_FAILED, CONFLICT.
class ResourceService {
 public:
  ResourceService(const Model& model, ResourceStore& store, const lists::CursorCodec& cursors)
      : model_(model), store_(store), cursors_(cursors) {}

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

  const Model& model() const noexcept { return model_; }

 private:
  Task<void> check_refs(storage::Transaction& tx, const Resource& r, const std::optional<Principal>& caller,
                        const std::vector<const storage::Value*>& values);

  const Model& model_;
  ResourceStore& store_;
  const lists::CursorCodec& cursors_;
};

/// True when an If-None-Match / If-Match header value names `etag` (or is `*`).
bool etag_matches(std::string_view header, std::string_view etag) noexcept;

}  // namespace keel::resources
