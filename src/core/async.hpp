#pragma once

// The one Asio header the rest of the code may see: the coroutine return type.
#include <boost/asio/awaitable.hpp>

namespace keel {

/// Every I/O function returns a Task: an Asio awaitable, resumed on the caller's executor.
template <class T = void>
using Task = boost::asio::awaitable<T>;

}  // namespace keel
