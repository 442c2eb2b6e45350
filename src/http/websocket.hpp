#pragma once

// A route that answers 101 hands its connection over as a WebSocket (RFC 6455): included only
// where WebSockets are served (the session and the realtime feature), for Beast's heavy headers.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace keel::http {

/// A connection that became a WebSocket: it owns the socket (the HTTP session that accepted it
/// has ended, and its buffers and frames with it).
using WebSocket = boost::beast::websocket::stream<boost::asio::ip::tcp::socket>;

/// What a 101 response carries: the session accepts the WebSocket handshake (after the
/// pipeline, so middlewares and the route checked the request like any other) and hands the
/// stream to run(), on the connection's own event loop. The connection ends when run() returns;
/// until then it counts as open (MAX_CONNECTIONS, the per-client cap, shutdown's wait).
class Upgrade {
 public:
  virtual ~Upgrade() = default;
  /// The largest client message; bigger ones are refused (close 1009) by the stream itself.
  virtual std::size_t max_message_bytes() const noexcept = 0;
  virtual boost::asio::awaitable<void> run(WebSocket& ws) = 0;
};

}  // namespace keel::http
