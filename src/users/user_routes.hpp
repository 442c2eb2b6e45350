#pragma once

#include <string>
#include <vector>

#include "openapi/registry.hpp"

namespace keel::users {

class UserService;

/// GET/POST /api/users, GET/PUT/PATCH/DELETE /api/users/:id (API.md §4).
/// `roles` are the roles the resources file declares, beyond admin and user.
void add_routes(openapi::Routes& routes, UserService& users, std::vector<std::string> roles);

}  // namespace keel::users
