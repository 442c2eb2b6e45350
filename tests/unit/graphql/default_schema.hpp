#pragma once
// The repository's resources.yaml (projects and tasks), as a model and its GraphQL schema, built
// once for the graphql unit tests.

#include <string>

#include "graphql/schema_builder.hpp"
#include "resources/resource_model.hpp"
#include "resources/resources_file.hpp"
#include "storage/sqlite/sqlite_dialect.hpp"

#ifndef KEEL_SOURCE_DIR
#error "tests need KEEL_SOURCE_DIR to find the resources files"
#endif

namespace keel::graphql::test {

inline const resources::Model& default_model() {
  static const resources::Model kModel(
      resources::load_resources_file(std::string(KEEL_SOURCE_DIR) + "/resources.yaml"), storage::sqlite_dialect());
  return kModel;
}

inline const Schema& default_schema() {
  static const Schema kSchema = build_schema(default_model());
  return kSchema;
}

}  // namespace keel::graphql::test
