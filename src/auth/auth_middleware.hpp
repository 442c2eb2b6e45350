#pragma once

#include "http/pipeline.hpp"

namespace keel::auth {

class TokenService;
class Revocations;

/// The one place that turns `Authorization: Bearer <token>` into ctx.principal. A request
/// without the header stays anonymous; one with a bad, expired or revoked token is anonymous
/// too but remembers why, so routes that need a caller answer 401 with the right code.
http::Middleware auth_middleware(const TokenService& tokens, const Revocations& revocations);

/// The caller of a route that requires one. Throws 401 UNAUTHORIZED (or TOKEN_EXPIRED).
const http::Principal& authenticated(const http::Context& ctx);

}  // namespace keel::auth
