#pragma once

#include "openapi/registry.hpp"

namespace keel::resources {

class Model;

/// Registers the component schemas of every declared resource: the record (`name`), its
/// create and update bodies (`name.create`, `name.update`) and its list page (`name.list`).
void add_schemas(openapi::Routes& routes, const Model& model);

}  // namespace keel::resources
