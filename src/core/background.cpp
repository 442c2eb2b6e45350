#include "core/background.hpp"

#include <atomic>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
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

// A job's wake-up call. `woken` coalesces wakes (only the first of a burst posts); `timer` is the
// job's timer while it waits, touched on the job's thread only (wakes post there).
struct Background::Waker::State {
  Impl* impl = nullptr;
  std::atomic<bool> woken{false};
  asio::steady_timer* timer = nullptr;
};

void Background::Waker::wake() const {
  if (!state_ || state_->impl->stopped.load() || state_->woken.exchange(true)) return;
  asio::post(state_->impl->io, [state = state_] {
    // Unless a run already took this wake (it started before this handler got its turn).
    if (state->timer && state->woken.load()) state->timer->cancel();
  });
}

Background::Background() : impl_(std::make_unique<Impl>()) {}

Background::~Background() { stop(); }

Background::Waker Background::every(std::string name, std::chrono::milliseconds period,
                                    std::function<Task<void>()> job) {
  Waker waker;
  waker.state_ = std::make_shared<Waker::State>();
  waker.state_->impl = impl_.get();
  auto loop = [](Impl& impl, std::string name, std::chrono::milliseconds period, std::function<Task<void>()> job,
                 std::shared_ptr<Waker::State> state) -> Task<void> {
    asio::steady_timer timer(impl.io);
    state->timer = &timer;
    struct Forget {  // the timer dies with this frame (also when stop() destroys it parked)
      Waker::State& s;
      ~Forget() { s.timer = nullptr; }
    } forget{*state};
    // A dependency that is down fails every run: the first failure is a warning, the rest
    // of the streak only debug lines, and the recovery says how long it lasted.
    std::size_t failures = 0;
    auto failing_since = std::chrono::steady_clock::time_point();
    for (;;) {
      // A wake that came during the last run (or before this wait) runs the job again at once;
      // one that comes during the wait cancels it (ec is then operation_aborted, not a failure).
      if (!state->woken.load()) {
        timer.expires_after(period);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      if (impl.stopped) co_return;
      state->woken.store(false);  // wakes from here on ask for another run
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
  asio::co_spawn(impl_->io, loop(*impl_, std::move(name), period, std::move(job), waker.state_),
                 [](std::exception_ptr e) {
                   if (e) spdlog::error("background job ended by an exception");
                 });
  return waker;
}

void Background::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->guard.reset();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace keel
