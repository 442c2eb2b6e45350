#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "openapi/registry.hpp"

namespace keel::openapi {

/// The OpenAPI 3.1 document of every operation and schema the features registered, with the
/// schemas they share (Error, ListMeta) and the list parameters of each list operation from
/// its catalog. Built, never written by hand.
boost::json::object build_document(const Registry& registry);

/// Adds GET /api/openapi.json (also /api/v1/openapi.json), which answers `document`: a string
/// the caller owns and fills once every other route is registered.
void add_routes(Routes& routes, const std::string& document);

}  // namespace keel::openapi
