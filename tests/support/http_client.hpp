#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace keel::test {

/// A response as a client sees it. Header names are matched case-insensitively.
struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The header's value, or "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  /// The body parsed as JSON; fails the test (throws) when it is not JSON.
  boost::json::value json() const;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// A real HTTP/1.1 client (Boost.Beast) on one keep-alive connection to 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port);
  ~HttpClient();

  /// Sends one request and reads the response; reconnects if the server closed the connection.
  /// A non-empty body gets Content-Type: application/json unless `headers` sets one.
  HttpResponse request(std::string_view method, std::string_view target, std::string body = {},
                       const HeaderList& headers = {});
  HttpResponse get(std::string_view target, const HeaderList& headers = {}) { return request("GET", target, {}, headers); }
  HttpResponse post(std::string_view target, std::string body, const HeaderList& headers = {}) {
    return request("POST", target, std::move(body), headers);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A plain TCP connection for protocol abuse: send any bytes, read what comes back.
class RawConnection {
 public:
  /// Connects to 127.0.0.1:port, from `source_address` when given (any 127.x.y.z is a distinct
  /// client address on loopback); throws std::runtime_error when it can't.
  explicit RawConnection(std::uint16_t port, const std::string& source_address = {});
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Sends all bytes; returns false if the peer has closed.
  bool send(std::string_view bytes);
  /// Reads until the peer closes or `timeout` passes; returns what arrived.
  std::string read_all(std::chrono::milliseconds timeout);
  /// Reads exactly one HTTP response (headers and Content-Length body); status 0 when the
  /// connection closed or timed out first.
  HttpResponse read_response(std::chrono::milliseconds timeout);
  /// True when the peer closes (EOF or reset) within `timeout`, discarding any data.
  bool closed_within(std::chrono::milliseconds timeout);
  /// Half-closes the sending side.
  void shutdown_send();

 private:
  bool fill(std::chrono::milliseconds timeout);
  int fd_ = -1;
  std::string buffer_;
};

/// Parses the HTTP responses at the front of `raw` (e.g. several pipelined ones).
std::vector<HttpResponse> parse_responses(std::string_view raw);

}  // namespace keel::test
