#include "http/deadlines.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;

namespace keel::http {

std::chrono::milliseconds sweep_interval(const ServerOptions& options) {
  const auto shortest =
      std::min({options.header_timeout, options.body_timeout, options.idle_timeout, options.write_timeout});
  return std::clamp(shortest / 5, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
}

asio::awaitable<void> sweep_deadlines(const Connections& connections, std::chrono::milliseconds interval) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const auto now = coarse_now();
    for (Connection* c : connections) {
      if (c->deadline <= now) {
        c->timed_out = true;
        c->deadline = kNoDeadline;
        boost::system::error_code ignored;
        c->socket->cancel(ignored);
      }
    }
  }
}

}  // namespace keel::http
