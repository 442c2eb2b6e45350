#pragma once

#include "http/router.hpp"

namespace keel::users {

class UserService;

/// GET/POST /api/users, GET/PUT/PATCH/DELETE /api/users/:id (API.md §4).
void add_routes(http::Router& router, UserService& users);

}  // namespace keel::users
