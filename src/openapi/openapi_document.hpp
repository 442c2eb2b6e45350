#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "http/router.hpp"
#include "resources/resource_model.hpp"

namespace keel::openapi {

/// The OpenAPI 3.1 document of every route `router` dispatches on (their RouteDoc), with one
/// set of component schemas per resource of `model` (record, create, update, list) and the
/// list parameters of each list route from its catalog. Built, never written by hand.
boost::json::object build_document(const http::Router& router, const resources::Model& model);

/// Adds GET /api/openapi.json (also /api/v1/openapi.json), which answers `document`: a string
/// the caller owns and fills once every other route is registered.
void add_routes(http::Router& router, const std::string& document);

}  // namespace keel::openapi
