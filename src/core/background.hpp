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

  /// Wakes one job early (see every()). Copyable; must not outlive the Background.
  class Waker {
   public:
    /// Makes the job run as soon as it can: at once when it is waiting, right after the run under
    /// way when it is running (which may have started before whatever called wake). Wakes that
    /// come together make one run: never more than one run queued. Thread-safe, never blocks.
    void wake() const;

   private:
    friend class Background;
    struct State;
    std::shared_ptr<State> state_;
  };

  /// Runs `job` every `period` (first run after one period, or when woken) until stop().
  Waker every(std::string name, std::chrono::milliseconds period, std::function<Task<void>()> job);
  /// Stops the jobs and joins the thread; idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keel
