#pragma once

#include "http/pipeline.hpp"

namespace keel::http {

/// Adds nosniff, frame-deny and referrer headers to every response, and
/// `Cache-Control: no-store` to API responses that set no cache policy of their own.
Task<Response> security_headers_middleware(Request& req, Context& ctx, Next next);

}  // namespace keel::http
