#pragma once

#include "http/pipeline.hpp"

namespace keel::http {

/// `Cache-Control: no-store` on API responses that set no cache policy of their own.
/// (nosniff, frame-deny and referrer headers are on every response: see http::kFixedHeaders.)
Task<Response> security_headers_middleware(Request& req, Context& ctx, Next next);

}  // namespace keel::http
