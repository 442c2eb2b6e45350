#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <type_traits>

#include "core/async.hpp"

namespace keel {

/// Runs a coroutine to completion on a private event loop and returns its result: for
/// start-up work, the CLI and tests, never on an I/O thread. Rethrows what it throws.
void run_sync_erased(std::function<Task<void>()> make);

/// Typed front of run_sync_erased: `auto rows = run_sync([&] { return db.query("..."); });`
template <class F>
auto run_sync(F make) {
  using TaskType = std::invoke_result_t<F&>;
  using T = typename TaskType::value_type;
  if constexpr (std::is_void_v<T>) {
    run_sync_erased([&]() -> Task<void> { co_await make(); });
  } else {
    std::optional<T> out;
    run_sync_erased([&]() -> Task<void> { out.emplace(co_await make()); });
    return std::move(*out);
  }
}

}  // namespace keel
