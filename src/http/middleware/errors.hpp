#pragma once

#include "http/pipeline.hpp"

namespace keel::http {

/// Turns every exception escaping the inner chain into the API.md §2 body. A keel::Error
/// keeps its code; anything else becomes a 500 whose body leaks nothing. Each 5xx is
/// logged once, with what() and the request id.
Task<Response> error_middleware(Request& req, Context& ctx, Next next);

}  // namespace keel::http
