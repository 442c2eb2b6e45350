#pragma once

#include <memory>
#include <string>

#include <boost/json/fwd.hpp>

#include "http/headers.hpp"

namespace keel::http {

class Upgrade;

/// An HTTP response as handlers build it; the transport adds framing headers.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  /// With status 101: the connection becomes a WebSocket served by this (http/websocket.hpp).
  std::shared_ptr<Upgrade> upgrade;

  /// A JSON response: serialises `body` and sets the JSON content type.
  static Response json(int status, const boost::json::value& body);
  /// A JSON response from an already-serialised body.
  static Response json_text(int status, std::string body);
  /// A body-less response, e.g. 204 or 304.
  static Response empty(int status);
  /// Any other content type, e.g. Prometheus text or HTML.
  static Response text(int status, std::string content_type, std::string body);
};

inline constexpr const char* kJsonContentType = "application/json; charset=utf-8";

}  // namespace keel::http
