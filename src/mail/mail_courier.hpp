#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/async.hpp"
#include "mail/mail_message.hpp"
#include "mail/mail_outbox.hpp"
#include "mail/mail_transport.hpp"

namespace keel {
class BlockingPool;
class CounterCell;
class Gauge;
class Metrics;
}  // namespace keel

namespace keel::mail {

/// What becomes of an outbox row: a message to send, or the reason none is sent (the account
/// is gone, the address changed, a throttle...), recorded as the row's outcome.
struct Composed {
  std::optional<MailMessage> message;
  std::string skipped;  // when there is no message
};

/// Turns a row into its mail; may write (e.g. the token the mail carries). Throws keel::Error
/// when the database fails (the row is tried again later).
using Composer = std::function<Task<Composed>(OutboxItem)>;

struct MailCourierOptions {
  std::string from;                              // MAIL_FROM
  std::chrono::milliseconds retry_min{1000};     // first wait after a failed send
  std::chrono::milliseconds retry_max{300'000};  // MAIL_RETRY_MAX: the wait doubles up to this
  std::chrono::milliseconds lease{120'000};      // a claimed row is another courier's again after this
  std::int64_t batch = 50;                       // rows per look at the outbox
};

/// Sends the outbox (API.md §11): every due row, oldest request first, through the transport,
/// recording each outcome only after the transport took the message. A crash between the two
/// sends that row again (at least once); a recorded send is never repeated. A transport that
/// fails stops the round; the row waits out a back-off that doubles up to retry_max, and the
/// rows behind it wait with it, so mail keeps its order. The state change is logged once each
/// way, never with a token.
///
/// run() is one step, for a Background job (its own thread and loop, never an I/O thread); the
/// blocking transport calls run on the courier's own thread.
class MailCourier {
 public:
  MailCourier(MailOutbox& outbox, std::unique_ptr<MailTransport> transport, Composer composer, Metrics& metrics,
              MailCourierOptions options);
  ~MailCourier();
  MailCourier(const MailCourier&) = delete;
  MailCourier& operator=(const MailCourier&) = delete;

  /// One step, as described above. Throws keel::Error when the database fails (the Background
  /// job logs it).
  Task<void> run();
  /// Stops the courier's thread; run() must not be running.
  void stop() noexcept;

 private:
  /// False when the transport failed (the round ends).
  Task<bool> deliver(OutboxItem item);
  void transport_failed(const std::string& why, std::chrono::milliseconds wait);

  MailOutbox& outbox_;
  std::unique_ptr<MailTransport> transport_;  // only ever used on thread_
  Composer composer_;
  MailCourierOptions options_;
  std::unique_ptr<BlockingPool> thread_;
  bool said_down_ = false;
  std::chrono::steady_clock::time_point next_try_{};
  std::chrono::steady_clock::time_point next_cleanup_{};
  CounterCell& sent_;
  CounterCell& failed_;
  Gauge& queued_;
};

}  // namespace keel::mail
