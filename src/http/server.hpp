#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/exchange.hpp"
#include "http/pipeline.hpp"

namespace keel {
class Gauge;
}

namespace keel::http {

/// Transport settings; every limit here protects the server from one bad client.
struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;  // 0: an ephemeral port, see Server::port()
  std::size_t threads = 1;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 10000;
  /// Concurrent connections from one peer address (0: no such limit).
  std::size_t max_connections_per_client = 1024;
  /// From the first byte of a request to the end of its headers, however many reads it takes.
  std::chrono::milliseconds header_timeout{10'000};
  /// From the end of a request's headers to the end of its body, however many reads it takes.
  std::chrono::milliseconds body_timeout{30'000};
  /// A keep-alive connection waiting for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  /// To write one response to a slow reader.
  std::chrono::milliseconds write_timeout{30'000};
  /// How long stop() lets in-flight requests finish.
  std::chrono::milliseconds shutdown_timeout{10'000};
};

/// Gauges the server keeps current; either may be null.
struct ServerGauges {
  Gauge* open_connections = nullptr;
  Gauge* in_flight = nullptr;
};

/// The HTTP/1.1 server: `threads` I/O threads, each with its own event loop, one
/// coroutine per connection. Only its .cpp files know Beast and sockets: server.cpp (threads,
/// start and stop), listener.cpp (accepting), session.cpp (one connection), deadlines.cpp.
class Server {
 public:
  Server(ServerOptions options, const Pipeline& pipeline, ExchangeObserver observer, ServerGauges gauges = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, listens and starts the I/O threads; throws std::runtime_error when it can't bind.
  void start();
  /// The bound port (the real one when options.port was 0).
  std::uint16_t port() const noexcept;
  /// Graceful stop: no new connections, idle ones closed, in-flight requests finish
  /// (up to shutdown_timeout), then the I/O threads end. Safe from any thread, once or more.
  void stop();
  /// Connections open now.
  std::size_t open_connections() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::http
