#pragma once

#include "http/router.hpp"

namespace keel::auth {

class AuthService;

/// POST /api/auth/register, /login, /refresh, /logout and GET /api/auth/me (API.md §3).
void add_routes(http::Router& router, AuthService& auth);

}  // namespace keel::auth
