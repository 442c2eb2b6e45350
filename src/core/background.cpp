#include "core/background.hpp"

#include <atomic>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace asio = boost::asio;

namespace keel {

struct Background::Impl {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  std::atomic<bool> stopped{false};
};

Background::Background() : impl_(std::make_unique<Impl>()) {}

Background::~Background() { stop(); }

void Background::every(std::string name, std::chrono::milliseconds period, std::function<Task<void>()> job) {
  auto loop = [](Impl& impl, std::string name, std::chrono::milliseconds period,
                 std::function<Task<void>()> job) -> Task<void> {
    asio::steady_timer timer(impl.io);
    // A dependency that is down fails every run: the first failure is a warning, the rest
    // of the streak only debug lines, and the recovery says how long it lasted.
    std::size_t failures = 0;
    auto failing_since = std::chrono::steady_clock::time_point();
    for (;;) {
      timer.expires_after(period);
      auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || impl.stopped) co_return;
      std::string failure;
      try {
        co_await job();
      } catch (const std::exception& e) {
        failure = e.what();
        if (failure.empty()) failure = "unknown error";
      }
      if (failure.empty()) {
        if (failures > 0) {
          const auto lasted = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - failing_since);
          spdlog::info("background job {} recovered after {} failed run(s) over {} s", name, failures, lasted.count());
        }
        failures = 0;
      } else if (failures++ == 0) {
        failing_since = std::chrono::steady_clock::now();
        spdlog::warn("background job {} failed: {} (logged again when it recovers)", name, failure);
      } else {
        spdlog::debug("background job {} failed again: {}", name, failure);
      }
    }
  };
  asio::co_spawn(impl_->io, loop(*impl_, std::move(name), period, std::move(job)), [](std::exception_ptr e) {
    if (e) spdlog::error("background job ended by an exception");
  });
}

void Background::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->guard.reset();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace keel
