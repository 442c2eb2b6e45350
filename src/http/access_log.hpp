#pragma once

#include <memory>

#include "http/exchange.hpp"

namespace spdlog {
class logger;
}

namespace keel::http {

/// One line per response: method, path, status, bytes, duration, request id, user id.
/// As JSON (one object per line) or as text, on its own logger.
class AccessLog {
 public:
  /// `logger` writes the line as given (its pattern is the bare message).
  AccessLog(std::shared_ptr<spdlog::logger> logger, bool json);
  void record(const Exchange& ex) const;

 private:
  std::shared_ptr<spdlog::logger> logger_;
  bool json_;
};

}  // namespace keel::http
