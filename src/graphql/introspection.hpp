#pragma once

#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "graphql/schema.hpp"

// What every schema holds besides its own types (spec §4 and §3.13, October 2021 edition): the
// introspection types and the specified directives, with graphql-js's (v16) descriptions so an
// introspection result reads like graphql-js's. Schema's constructor adds them.

namespace keel::graphql {

/// `__Schema`, `__Type`, `__Field`, `__InputValue`, `__EnumValue`, `__Directive`, `__TypeKind`,
/// `__DirectiveLocation`, each marked `built_in` (SDL leaves them out).
std::vector<NamedType> introspection_types();

/// `@include(if: Boolean!)`, `@skip(if: Boolean!)`, `@deprecated(reason: String = "No longer
/// supported")`, `@specifiedBy(url: String!)`, in graphql-js's order.
std::vector<DirectiveDef> specified_directives();

/// The schema as introspection answers it, built once per schema: `types` holds each named
/// type's `__Type` object by name, `schema` the `__Schema` object. A `__Type` that names a type
/// is that name as a string (the executor resolves it in `types`, so the graph has no cycles);
/// a list or non-null wrapper is an inline object of kind LIST or NON_NULL with its `ofType`.
struct IntrospectionData {
  boost::json::object types;
  boost::json::value schema;  // an object
};
IntrospectionData introspection_data(const Schema& schema);

}  // namespace keel::graphql
