#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/async.hpp"

namespace keel {

/// One thread with its own event loop for periodic maintenance (e.g. syncing revocations),
/// kept off the I/O threads. Each job runs every `period`; a failing run is logged (once per
/// streak of failures, and again on recovery) and the job goes on.
class Background {
 public:
  Background();
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  /// Runs `job` every `period` (first run after one period) until stop().
  void every(std::string name, std::chrono::milliseconds period, std::function<Task<void>()> job);
  /// Stops the jobs and joins the thread; idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel
