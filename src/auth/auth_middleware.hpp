#pragma once

#include "http/pipeline.hpp"

namespace keel::auth {

class TokenService;
class Revocations;

/// The one place that turns `Authorization: Bearer <token>` into ctx.caller. A request
/// without the header stays anonymous; one with a bad, expired or revoked token is refused
/// and remembers why, so routes that need a caller answer 401 with the right code.
http::Middleware auth_middleware(const TokenService& tokens, const Revocations& revocations);

}  // namespace keel::auth
