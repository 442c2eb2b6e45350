#include "http/server.hpp"

#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "http/deadlines.hpp"
#include "http/listener.hpp"
#include "http/transport.hpp"

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace keel::http {

struct Server::Impl {
  Impl(ServerOptions o, const Pipeline& p, ExchangeObserver obs, ServerGauges g)
      : transport(std::move(o), p, std::move(obs), g) {}

  Transport transport;
  std::vector<std::unique_ptr<Loop>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::unique_ptr<Listener> listener;

  std::mutex stop_mutex;
  bool stopped = false;
};

Server::Server(ServerOptions options, const Pipeline& pipeline, ExchangeObserver observer, ServerGauges gauges)
    : impl_(std::make_unique<Impl>(std::move(options), pipeline, std::move(observer), gauges)) {}

Server::~Server() {
  stop();
  // Destroying an event loop destroys the coroutines still parked on it (after a shutdown
  // timeout), and their cleanup touches the Transport: so the listener and loops go first.
  impl_->listener.reset();
  impl_->loops.clear();
}

std::uint16_t Server::port() const noexcept { return impl_->listener ? impl_->listener->port() : 0; }
std::size_t Server::open_connections() const noexcept { return impl_->transport.open.load(); }

void Server::start() {
  Impl& s = *impl_;
  const ServerOptions& options = s.transport.options;
  const std::size_t n = std::max<std::size_t>(1, options.threads);
  for (std::size_t i = 0; i < n; ++i) {
    s.loops.push_back(std::make_unique<Loop>());
    s.guards.push_back(asio::make_work_guard(s.loops.back()->io));
  }
  s.listener = std::make_unique<Listener>(s.loops[0]->io, options.host, options.port);

  auto log_exception = [](const char* what) {
    return [what](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::critical("{} ended: {}", what, ex.what());
      }
    };
  };
  asio::co_spawn(s.loops[0]->io, s.listener->accept_loop(s.transport, s.loops), log_exception("accept loop"));
  const auto interval = sweep_interval(options);
  for (auto& loop : s.loops) {
    asio::co_spawn(loop->io, sweep_deadlines(loop->connections, interval), log_exception("timeout sweeper"));
    s.threads.emplace_back([io = &loop->io] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("I/O thread caught: {}", e.what());
        }
      }
    });
  }
}

void Server::stop() {
  Impl& s = *impl_;
  std::lock_guard stop_lock(s.stop_mutex);
  if (s.stopped) return;
  s.stopped = true;
  if (s.loops.empty()) return;  // never started
  s.transport.stopping = true;

  if (s.listener) s.listener->close();  // null when start() could not bind
  for (auto& loop : s.loops) {
    asio::post(loop->io, [l = loop.get()] {
      for (Connection* c : l->connections) {
        boost::system::error_code ignored;
        if (c->idle) c->socket->cancel(ignored);
      }
    });
  }
  const auto deadline = Clock::now() + s.transport.options.shutdown_timeout;
  while (s.transport.open.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (const auto left = s.transport.open.load(); left > 0) {
    spdlog::warn("shutdown: {} connection(s) still busy after {} ms; closing them", left,
                 s.transport.options.shutdown_timeout.count());
  }
  s.guards.clear();
  for (auto& loop : s.loops) loop->io.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace keel::http
