#pragma once

// Private to src/http: one connection, served start to end.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/deadlines.hpp"
#include "http/transport.hpp"

namespace keel::http {

/// Whether an accepted connection is served, or only told that it is one too many.
enum class Admission {
  kServe,
  kOverCapacity,        // past options.max_connections
  kOverClientCapacity,  // past options.max_connections_per_client from its address
};

/// Serves one accepted connection until it closes: wait for a request, read it, run the
/// pipeline, write the answer, repeat while keep-alive; then close, draining the peer first.
/// Unless admitted, it only answers 503. Registers the connection in `connections` (its
/// loop's) while it lives; on the way out it counts it off transport.open and, through `slot`,
/// off its address's count. I/O errors and timeouts end the connection, they are not thrown.
boost::asio::awaitable<void> serve_connection(Transport& transport, Connections& connections,
                                              boost::asio::ip::tcp::socket socket, Admission admission,
                                              ClientSlot slot);

}  // namespace keel::http
