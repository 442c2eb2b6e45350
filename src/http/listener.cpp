#include "http/listener.hpp"

#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "core/metrics.hpp"
#include "http/session.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace keel::http {

Listener::Listener(asio::io_context& io, const std::string& host, std::uint16_t port) : acceptor_(io) {
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results =
      resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) throw std::runtime_error("cannot resolve HOST " + host + ": " + ec.message());
  const tcp::endpoint endpoint = results.begin()->endpoint();

  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
}

void Listener::close() {
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
}

asio::awaitable<void> Listener::accept_loop(Transport& transport, std::span<const std::unique_ptr<Loop>> loops) {
  constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
  asio::steady_timer backoff(acceptor_.get_executor());
  std::size_t next = 0;
  for (;;) {
    Loop& loop = *loops[next++ % loops.size()];
    auto [ec, socket] = co_await acceptor_.async_accept(loop.io, kTuple);
    if (ec) {
      if (transport.stopping || ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      // Out of file descriptors or similar: keep serving the open connections, retry soon.
      spdlog::warn("accept failed: {}; retrying in 100 ms", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    Admission admission =
        transport.open.fetch_add(1) >= transport.options.max_connections ? Admission::kOverCapacity : Admission::kServe;
    if (transport.gauges.open_connections) transport.gauges.open_connections->add(1);
    // One address may not take every connection: counted whether served or refused, like
    // transport.open, so a client hammering past its cap only ever gets 503s.
    ClientSlot slot;
    if (const std::size_t per_client = transport.options.max_connections_per_client; per_client > 0) {
      const tcp::endpoint peer = socket.remote_endpoint(ignored);
      if (!ignored) {
        const std::size_t from_peer = transport.clients.add(peer.address());
        slot = ClientSlot(transport.clients, peer.address());
        if (from_peer > per_client && admission == Admission::kServe) admission = Admission::kOverClientCapacity;
      }
    }
    asio::co_spawn(loop.io,
                   serve_connection(transport, loop.connections, std::move(socket), admission, std::move(slot)),
                   [](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       spdlog::error("connection ended by an exception: {}", ex.what());
                     }
                   });
  }
}

}  // namespace keel::http
