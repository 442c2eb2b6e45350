#pragma once

#include <string>
#include <vector>

#include "http/pipeline.hpp"

namespace keel::http {

/// CORS for browser clients. `origins` lists allowed origins exactly as browsers send them
/// ("https://app.example.com"), or holds "*" for any. Empty: no CORS headers at all.
Middleware cors_middleware(std::vector<std::string> origins);

}  // namespace keel::http
