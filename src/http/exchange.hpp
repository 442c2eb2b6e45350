#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>

namespace keel::http {

/// One finished request/response, as the access log and metrics see it.
struct Exchange {
  std::string_view method;
  std::string_view path;
  std::string_view route;  // template; empty when no route matched
  int status = 0;
  std::size_t bytes = 0;   // response body bytes
  std::chrono::nanoseconds duration{0};
  std::string_view request_id;
  std::string_view user_id;
  std::string_view remote_address;
};

/// Called once per response written, on the I/O thread: must not block.
using ExchangeObserver = std::function<void(const Exchange&)>;

}  // namespace keel::http
