#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace keel::test {

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return {};
}

bool HttpResponse::has_header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return true;
  }
  return false;
}

boost::json::value HttpResponse::json() const { return boost::json::parse(body); }

namespace {

HttpResponse convert(bhttp::response<bhttp::string_body>&& res) {
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(res.body());
  return out;
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(std::uint16_t p) : port(p), socket(io) {}
  std::uint16_t port;
  asio::io_context io;
  asio::ip::tcp::socket socket;
  beast::flat_buffer buffer;

  void connect() {
    beast::error_code ignored;
    socket.close(ignored);
    buffer.clear();
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
  }
};

HttpClient::HttpClient(std::uint16_t port) : impl_(std::make_unique<Impl>(port)) { impl_->connect(); }
HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(std::string_view method, std::string_view target, std::string body,
                                 const HeaderList& headers) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1");
  bool has_type = false;
  for (const auto& [n, v] : headers) {
    req.set(n, v);
    has_type = has_type || beast::iequals(n, "Content-Type");
  }
  if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
  req.body() = std::move(body);
  if (!req.body().empty() || method == "POST" || method == "PUT" || method == "PATCH") req.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    beast::error_code ec;
    if (!impl_->socket.is_open()) impl_->connect();
    bhttp::write(impl_->socket, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (method == "HEAD") parser.skip(true);
    if (!ec) bhttp::read(impl_->socket, impl_->buffer, parser, ec);
    if (ec) {
      // The server may close an idle keep-alive connection; retry once on a fresh one.
      if (attempt == 0) {
        impl_->connect();
        continue;
      }
      throw std::runtime_error("HTTP request failed: " + ec.message());
    }
    auto res = parser.release();
    const bool keep = res.keep_alive();
    HttpResponse out = convert(std::move(res));
    if (!keep) {
      beast::error_code ignored;
      impl_->socket.close(ignored);
    }
    return out;
  }
}

RawConnection::RawConnection(std::uint16_t port, const std::string& source_address) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  if (!source_address.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source_address.c_str(), &source.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot bind to " + source_address);
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    throw std::runtime_error("connect() failed");
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void RawConnection::shutdown_send() { ::shutdown(fd_, SHUT_WR); }

// Waits up to `timeout` for more bytes; false on EOF, reset or timeout.
bool RawConnection::fill(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buf[16384];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<std::size_t>(n));
  return true;
}

std::string RawConnection::read_all(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left)) break;
  }
  return std::exchange(buffer_, {});
}

HttpResponse RawConnection::read_response(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    beast::error_code ec;
    std::size_t used = 0;
    // Feed the buffer until the message is done or more bytes are needed.
    while (!ec && used < buffer_.size() && !parser.is_done()) {
      const std::size_t n = parser.put(asio::buffer(buffer_.data() + used, buffer_.size() - used), ec);
      if (n == 0) break;
      used += n;
    }
    if (!ec && parser.is_done()) {
      buffer_.erase(0, used);
      return convert(parser.release());
    }
    if (ec && ec != bhttp::error::need_more) return {};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left)) return {};
  }
}

bool RawConnection::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
}

std::vector<HttpResponse> parse_responses(std::string_view raw) {
  std::vector<HttpResponse> out;
  while (!raw.empty()) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    beast::error_code ec;
    std::size_t used = 0;
    while (!ec && used < raw.size() && !parser.is_done()) {
      const std::size_t n = parser.put(asio::buffer(raw.data() + used, raw.size() - used), ec);
      if (n == 0) break;
      used += n;
    }
    if (!parser.is_done()) break;
    out.push_back(convert(parser.release()));
    raw.remove_prefix(used);
  }
  return out;
}

}  // namespace keel::test
