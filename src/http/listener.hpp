#pragma once

// Private to src/http: the listening socket and the accept loop.

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/transport.hpp"

namespace keel::http {

/// Accepts connections on one event loop and hands each to the next loop in turn, as a session.
class Listener {
 public:
  /// Resolves `host`, binds and listens, on `io`; throws std::runtime_error when it cannot.
  Listener(boost::asio::io_context& io, const std::string& host, std::uint16_t port);

  /// The bound port (the real one when `port` was 0).
  std::uint16_t port() const noexcept { return port_; }

  /// Accepts until close(): each connection goes to the next of `loops`, where it is served
  /// by a session (a 503 past options.max_connections, or past options.max_connections_per_client
  /// from one address). Out of descriptors, it retries.
  boost::asio::awaitable<void> accept_loop(Transport& transport, std::span<const std::unique_ptr<Loop>> loops);

  /// Stops accepting. Safe from any thread: the close runs on the acceptor's loop.
  void close();

 private:
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace keel::http
