#include "core/blocking_pool.hpp"

#include <atomic>
#include <stdexcept>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/error.hpp"

namespace asio = boost::asio;

namespace keel {

struct BlockingPool::Impl {
  Impl(std::size_t threads, std::size_t max_queue) : pool(threads), threads(threads), max_queue(max_queue) {}
  asio::thread_pool pool;
  std::size_t threads;
  std::size_t max_queue;
  std::atomic<std::size_t> in_use{0};
  std::atomic<std::size_t> rejected{0};
  std::atomic<bool> stopped{false};
};

BlockingPool::BlockingPool(std::size_t threads, std::size_t max_queue) {
  if (threads == 0 || max_queue == 0) throw std::invalid_argument("BlockingPool needs threads and a queue");
  impl_ = std::make_unique<Impl>(threads, max_queue);
}

BlockingPool::~BlockingPool() { stop(); }

std::size_t BlockingPool::in_use() const noexcept { return impl_->in_use.load(); }
std::size_t BlockingPool::threads() const noexcept { return impl_->threads; }
std::size_t BlockingPool::rejected() const noexcept { return impl_->rejected.load(); }

void BlockingPool::stop() noexcept {
  if (impl_->stopped.exchange(true)) return;
  impl_->pool.join();
}

Task<void> BlockingPool::run_erased(std::function<void()> job, bool bounded) {
  Impl& impl = *impl_;
  if (impl.stopped.load()) throw Error::unavailable("The server is shutting down");
  if (impl.in_use.fetch_add(1) >= impl.max_queue && bounded) {
    impl.in_use.fetch_sub(1);
    impl.rejected.fetch_add(1);
    throw Error::unavailable("The server is busy; try again shortly", "blocking pool queue full")
        .with_header("Retry-After", "1");
  }
  // The job refers to this coroutine's frame, which stays alive until the handler resumes it.
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [&impl, &job](auto handler) {
        asio::post(impl.pool, [&impl, &job, handler = std::move(handler)]() mutable {
          job();
          impl.in_use.fetch_sub(1);
          auto ex = asio::get_associated_executor(handler);
          asio::post(ex, std::move(handler));
        });
      },
      asio::use_awaitable);
}

}  // namespace keel
