#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

namespace keel::test {

/// A real WebSocket client (Boost.Beast) for realtime tests: connects to 127.0.0.1:port and
/// reads every server message on a thread of its own into a queue.
class WsClient {
 public:
  /// Connects and completes the handshake; throws std::runtime_error when it can't (the
  /// handshake's HTTP status in the message). A `slow` client has a 4 KiB receive buffer and
  /// reads nothing until start_reading(): the server's messages pile up on its side.
  explicit WsClient(std::uint16_t port, std::string target = "/api/realtime", std::string origin = {},
                    bool slow = false);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  /// A slow client begins to read (from the first message the server sent).
  void start_reading();
  void send(const std::string& text);
  void send(const boost::json::object& message);
  /// The next server message within `timeout`, parsed; nullopt when none came (or it closed).
  std::optional<boost::json::object> next(std::chrono::milliseconds timeout = std::chrono::seconds(3));
  /// The close code the server sent, once the connection closed within `timeout`; nullopt if open.
  std::optional<int> closed(std::chrono::milliseconds timeout = std::chrono::seconds(3));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel::test
