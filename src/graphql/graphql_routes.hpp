#pragma once

#include "graphql/executor.hpp"
#include "openapi/registry.hpp"

namespace keel::graphql {

/// POST /api/graphql and GET /api/graphql (API.md §13, GraphQL over HTTP): the request's
/// parameters read and checked, the caller's token applied as in REST, the answer in
/// application/graphql-response+json when the client accepts it (a refused request: 400) and
/// application/json otherwise (a refused request: 200, as that media type's clients expect).
/// Errors of the HTTP request itself (no `query`, `variables` not an object, a bad token) are in
/// GraphQL's `errors` shape too, with their status of API.md §2.
void add_routes(openapi::Routes& routes, const Executor& executor);

}  // namespace keel::graphql
