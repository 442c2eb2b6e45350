#pragma once

#include <ostream>  // Beast 1.81's verb.hpp uses std::ostream without including it

#include <boost/beast/http/verb.hpp>

namespace keel::http {

/// An HTTP method: Beast's verb (Method::get, Method::delete_; verb::unknown for a token Beast
/// has no verb for), so the parser's value is used as it is. Its name is to_string(m), found
/// by argument-dependent lookup; a token's verb is string_to_verb(token).
using Method = boost::beast::http::verb;

}  // namespace keel::http
