#pragma once

#include "http/router.hpp"

namespace keel::auth {

/// GET /verify-email and GET /reset-password, the pages a mail's link opens (API.md §11): they
/// take the link's token and call POST /api/auth/verify-email or /api/auth/reset-password from
/// the browser. Also GET /account/account.js and /account/account.css, which both load. All
/// from the binary, under a strict Content-Security-Policy, the pages never cached.
/// Throws std::invalid_argument if one of these routes exists already.
void add_account_pages(http::Router& router);

}  // namespace keel::auth
