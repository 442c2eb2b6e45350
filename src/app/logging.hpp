#pragma once

#include <memory>

#include "app/config.hpp"

namespace spdlog {
class logger;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace keel::app {

/// Sets spdlog's default logger to LOG_LEVEL and LOG_FORMAT on `sink` (stdout when null),
/// and returns the access logger, which shares that sink.
std::shared_ptr<spdlog::logger> setup_logging(const Config& config, std::shared_ptr<spdlog::sinks::sink> sink = nullptr);

}  // namespace keel::app
