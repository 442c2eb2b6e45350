#pragma once

#include <string>
#include <string_view>

#include "http/response.hpp"

namespace keel::http {

/// How the response head is to be framed.
struct WireOptions {
  bool keep_alive = true;
  bool http10 = false;          // the request was HTTP/1.0: keep-alive must be explicit
  std::string_view date;        // the Date header value
  std::string_view request_id;  // the X-Request-Id header value
};

/// Headers every response carries, whoever built it (handler, error middleware or the
/// transport's own answers to malformed requests): nosniff, frame deny, no referrer.
inline constexpr std::string_view kFixedHeaders =
    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n";

/// The status line and headers of `res` ("HTTP/1.1 200 OK\r\n...\r\n\r\n"), with kFixedHeaders, Date,
/// X-Request-Id, Content-Length (not for 1xx, 204, 304; for HEAD the length of the body that
/// is not sent) and Connection as needed. A request id with CR or LF is left out.
/// `extra_capacity` reserves room for what the caller appends (e.g. a small body).
std::string serialize_head(const Response& res, const WireOptions& options, std::size_t extra_capacity = 0);

}  // namespace keel::http
