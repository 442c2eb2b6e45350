#pragma once

#include <string_view>

#include "core/error.hpp"
#include "http/response.hpp"

namespace keel::http {

/// The API.md §2 error body for `e`, with its status and headers. Never includes what().
Response error_response(const Error& e, std::string_view request_id);

}  // namespace keel::http
