#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "http/router.hpp"

namespace keel::lists {
struct Catalog;
}

namespace keel::openapi {

/// What the OpenAPI document says of one operation. Features describe their routes with it
/// where they register them; the router never sees it.
struct Operation {
  std::string summary;
  std::string tag;                  // groups operations: "auth", "users", a resource's name
  bool bearer = false;              // needs Authorization: Bearer
  bool bearer_optional = false;     // takes one, works without (a `public` rule)
  std::string request;              // components.schemas name of the JSON body; empty: none
  bool request_optional = false;    // the body may be left out
  std::string response;             // components.schemas name of the success body; empty: none
  std::string response_type = "application/json";
  std::string error_response;       // a schema its own error answers may take besides Error (GraphQL's)
  int status = 200;                 // the success status
  std::vector<int> errors;          // error statuses beyond those the generator infers
  const lists::Catalog* list = nullptr;  // a list of API.md §6 over these columns
  std::vector<std::string> expandable;   // ref fields a list may expand
  std::vector<boost::json::object> parameters;  // further parameter objects (a route's own query parameters)
};

/// {"$ref": "#/components/schemas/<name>"}
boost::json::object schema_ref(std::string_view name);

/// An e-mail address as a request may send it: the server trims white space around it, so a
/// pattern admitting that padding says what it accepts (`format: email` would refuse it).
/// Responses carry the trimmed, lowercase address and say `format: email`.
boost::json::object email_input_schema();
/// A user's `name` as a request may send it: 1 to 100 characters once trimmed, without U+0000.
boost::json::object name_input_schema();

/// One documented route: method, canonical pattern ("/api/v1/users/:id") and description.
struct DocumentedRoute {
  http::Method method;
  std::string pattern;
  Operation operation;
};

/// The parts of the OpenAPI document, contributed by each feature as it registers its routes
/// (operations) and the bodies they take and answer (component schemas).
class Registry {
 public:
  /// Records an operation; `pattern` is canonicalised as the router does ("/api/x" -> "/api/v1/x").
  void add_operation(http::Method method, std::string_view pattern, Operation operation);
  /// Adds (or replaces) the component schema `name`.
  void add_schema(std::string name, boost::json::object schema);

  const std::vector<DocumentedRoute>& operations() const noexcept { return operations_; }
  const boost::json::object& schemas() const noexcept { return schemas_; }

 private:
  std::vector<DocumentedRoute> operations_;
  boost::json::object schemas_;
};

/// A feature's view of both tables: each route goes to the router (path -> handler) and its
/// description to the registry, in one call, so no served route goes undocumented.
class Routes {
 public:
  Routes(http::Router& router, Registry& docs) : router_(router), docs_(docs) {}

  /// Registers `handler` and documents it. Throws as http::Router::add.
  void add(http::Method method, std::string_view pattern, http::Handler handler, Operation operation);
  /// Adds a component schema (see Registry::add_schema).
  void add_schema(std::string name, boost::json::object schema) { docs_.add_schema(std::move(name), std::move(schema)); }
  /// Adds every schema of a JSON object text ({"Name": {schema}, ...}); throws on malformed text.
  void add_schemas(std::string_view json_object_text);
  /// The router itself, for routes the document leaves out (the /docs page's assets).
  http::Router& router() noexcept { return router_; }

 private:
  http::Router& router_;
  Registry& docs_;
};

}  // namespace keel::openapi
