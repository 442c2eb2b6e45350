#pragma once

#include "openapi/registry.hpp"

namespace keel::auth {

class AuthService;

/// POST /api/auth/register, /login, /refresh, /logout and GET /api/auth/me (API.md §3).
void add_routes(openapi::Routes& routes, AuthService& auth);

}  // namespace keel::auth
