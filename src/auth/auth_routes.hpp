#pragma once

#include "openapi/registry.hpp"

namespace keel::auth {

class AccountMail;
class AuthService;

/// POST /api/auth/register, /login, /refresh, /logout and GET /api/auth/me (API.md §3); POST
/// /api/auth/request-verification, /verify-email, /forgot-password, /reset-password (§11).
void add_routes(openapi::Routes& routes, AuthService& auth, AccountMail& account_mail);

}  // namespace keel::auth
