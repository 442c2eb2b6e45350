#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "core/async.hpp"

namespace keel {

/// A bounded pool of threads for blocking or CPU-heavy work (SQLite, bcrypt), so that
/// I/O threads never block. Past `max_queue` waiting jobs, run() throws a 503.
class BlockingPool {
 public:
  /// Starts `threads` workers; throws std::invalid_argument for zero threads or queue.
  BlockingPool(std::size_t threads, std::size_t max_queue);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  /// Runs `f` on a worker and resumes the caller on its own executor with f's result.
  /// Rethrows what f throws; throws Error::unavailable when the queue is full.
  template <class F>
  auto run(F f) -> Task<std::invoke_result_t<F&>> {
    return run_with(std::move(f), true);
  }

  /// As run(), but never refused: for work that finishes something already admitted,
  /// such as the ROLLBACK of a transaction.
  template <class F>
  auto run_always(F f) -> Task<std::invoke_result_t<F&>> {
    return run_with(std::move(f), false);
  }

  /// Jobs waiting or running now.
  std::size_t in_use() const noexcept;
  std::size_t threads() const noexcept;
  /// Jobs refused since start because the queue was full.
  std::size_t rejected() const noexcept;

  /// Waits for running jobs and stops the workers; further run() calls throw 503.
  void stop() noexcept;

 private:
  template <class F>
  auto run_with(F f, bool bounded) -> Task<std::invoke_result_t<F&>>;
  Task<void> run_erased(std::function<void()> job, bool bounded);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

template <class F>
auto BlockingPool::run_with(F f, bool bounded) -> Task<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  std::exception_ptr error;
  if constexpr (std::is_void_v<R>) {
    co_await run_erased([&] {
      try {
        f();
      } catch (...) {
        error = std::current_exception();
      }
    }, bounded);
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<R> result;
    co_await run_erased([&] {
      try {
        result.emplace(f());
      } catch (...) {
        error = std::current_exception();
      }
    }, bounded);
    if (error) std::rethrow_exception(error);
    co_return std::move(*result);
  }
}

}  // namespace keel
