#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "graphql/schema.hpp"
#include "resources/resource_model.hpp"

// The schema of API.md §13, generated from the resources file and the users model. The naming
// rules are docs/graphql.md's; every name is checked once here, so a resources file that would
// make two things share a name is refused with a message naming the resource and field.

namespace keel::graphql {

/// A resources file that can't be served as GraphQL: a name that is not a GraphQL name (an enum
/// value like `in-progress`), or two things that would share a name (two resources with one type
/// name, a field called `and`, a type name keel uses itself). what() names the resource, the
/// field and their lines, and what to change.
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The GraphQL names generated for one resource (`tasks`).
struct ResourceNames {
  std::string type;             // Task
  std::string record_field;     // task (taskById when the singular is the resource name)
  std::string list_field;       // tasks: also the reverse connection's name on referenced types
  std::string connection;       // TaskConnection
  std::string filter;           // TaskFilter
  std::string sort;             // TaskSort
  std::string create_input;     // TaskCreateInput
  std::string update_input;     // TaskUpdateInput
  std::string create_mutation;  // createTask
  std::string update_mutation;  // updateTask
  std::string delete_mutation;  // deleteTask
};

/// The singular of a resource name by a few English rules, applied to its end: `ies` → `y`,
/// `sses`/`shes`/`ches`/`xes` lose `es`, `statuses` → `status`, a name ending in `ss`, `us` or `is`
/// stays, otherwise one trailing `s` goes (`tasks` → `task`, `vault` stays `vault`).
std::string singular(std::string_view resource);
/// Upper-cases the first letter: `dueAt` → `DueAt`.
std::string pascal_case(std::string_view name);
/// SCREAMING_SNAKE_CASE of a camelCase name: `createdAt` → `CREATED_AT`, `userID` → `USER_ID`.
std::string screaming_snake_case(std::string_view name);
/// The names generated for a resource.
ResourceNames names_of(std::string_view resource);

/// The enum type of a resource's enum field (`TaskStatus`) and its filter input (`TaskStatusFilter`).
std::string enum_type_name(std::string_view resource, std::string_view field);

/// Builds the schema of API.md §13 for the model: per resource an object type, a connection,
/// filter and sort inputs, create and update inputs, Query.<record>/<list> and
/// Mutation.create/update/delete, reverse connections on referenced types; `me`, `users` and the
/// User types. Throws SchemaError (docs/graphql.md's rules).
Schema build_schema(const resources::Model& model);

}  // namespace keel::graphql
