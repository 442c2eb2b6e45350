#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include "core/async.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "graphql/introspection.hpp"
#include "graphql/schema.hpp"
#include "graphql/validator.hpp"
#include "lists/list_query.hpp"
#include "resources/resource_model.hpp"

namespace keel::resources {
class ResourceService;
}
namespace keel::users {
class UserService;
}

// Runs GraphQL requests (API.md §13): parse, validate, pick the operation, coerce its variables,
// check the limits — all before anything touches a database — then execute it in two passes.
// The first loads level by level: each field that reads records (a page, a ref, a reverse
// relation) is read once for every parent at its place in the query, through the same service
// calls and list engine as REST (access rules inside the SQL), so a page of 100 costs the
// statements of a page of 1. The second completes the response from what was loaded, with
// GraphQL's null propagation. docs/graphql.md says what each field does.

namespace keel::graphql {

/// A GraphQL-over-HTTP request's parameters.
struct Request {
  std::string query;
  boost::json::object variables;
  std::optional<std::string> operation_name;
  bool read_only = false;  // a GET: mutations are refused
};

/// What a request produced.
struct Outcome {
  enum class Kind {
    kExecuted,          // `body` has `data` (and `errors` when fields failed)
    kRefused,           // refused before execution (syntax, validation, variables, limits): `errors` only
    kMutationOverGet,   // a mutation in a read-only request: `errors` only
  };
  Kind kind = Kind::kExecuted;
  std::string body;  // the JSON response
};

/// A response holding one error, e.g. of the HTTP request before GraphQL runs:
/// `{"errors":[{"message", "extensions":{"code", "details"}}]}` from `error`'s client side.
std::string error_body(const Error& error);

/// Executes requests against one schema with the services REST uses.
class Executor {
 public:
  /// `schema` comes from build_schema(model); everything must outlive the executor.
  Executor(const Schema& schema, const resources::Model& model, resources::ResourceService& resources,
           users::UserService& users, const lists::CursorCodec& cursors, RequestLimits limits = {});

  /// Runs `request` for `caller`. Failures of fields (access rules, validation of a mutation's
  /// input, missing records) are `errors` entries with `extensions.code` (and
  /// `extensions.details`); throws only what no field can answer (a bug).
  Task<Outcome> run(Request request, std::optional<Principal> caller) const;

  const Schema& schema() const noexcept { return schema_; }

 private:
  /// A document parsed and validated, or why it is refused (syntax or validation errors).
  struct Prepared {
    Document document;
    std::vector<GraphqlError> errors;
  };
  /// The document of `query`: from the cache of valid documents when it was seen before (clients
  /// send the same few queries again and again), else parsed and validated (and kept if valid).
  std::shared_ptr<const Prepared> prepare(const std::string& query) const;

  const Schema& schema_;
  const resources::Model& model_;
  resources::ResourceService& resources_;
  users::UserService& users_;
  const lists::CursorCodec& cursors_;
  RequestLimits limits_;
  IntrospectionData introspection_;
  mutable std::mutex documents_mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const Prepared>> documents_;
  mutable std::size_t document_bytes_ = 0;  // query text held by documents_
};

/// The valid documents an executor keeps, by the size of their query text: emptied when full.
inline constexpr std::size_t kDocumentCacheBytes = 512 * 1024;

}  // namespace keel::graphql
