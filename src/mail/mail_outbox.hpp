#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "storage/database.hpp"

namespace keel::mail {

/// A mail asked for: what (`kind`, e.g. "verify-email"), to whom, for which account (when the
/// request knew it), and when it was asked for (the throttles count from then).
struct OutboxItem {
  std::string id;
  std::string kind;
  std::string address;
  std::optional<std::string> user_id;
  std::int64_t requested_at_ms = 0;
  int attempts = 0;  // tries so far, this one not counted
};

/// How a mail ended (mail_outbox.outcome).
namespace outcome {
inline constexpr const char* kSent = "sent";
inline constexpr const char* kFailed = "failed";  // the server refused it for good (SMTP 5xx)
}  // namespace outcome

/// The mail_outbox table (migration 8): mail to send, stored in the transaction of the request
/// that causes it, so a committed request always has its mail and a rolled-back one none. The
/// courier (mail_courier.hpp) claims due rows with a lease, so two instances never send one row
/// twice, and records each outcome; rows stay a day after that, for the throttles.
class MailOutbox {
 public:
  /// Builds its statements in db's dialect.
  explicit MailOutbox(storage::Database& db);

  /// Queues a mail inside `tx`, asked for at `requested_at_ms` (the rules' clock) and due now.
  /// Once `tx` commits, the on_queued callback runs (the courier wakes).
  Task<void> enqueue(storage::Transaction& tx, std::string kind, std::string address,
                     std::optional<std::string> user_id, std::int64_t requested_at_ms);
  /// When the newest `kind` mail of `user_id` was asked for, inside `tx`; none: never.
  Task<std::optional<std::int64_t>> last_requested(storage::Transaction& tx, std::string kind, std::string user_id);
  /// Mails of the item's kind to its address asked for in the `window_ms` before it (itself not
  /// counted) that were sent or still wait: how many the throttle has let through already.
  Task<std::int64_t> let_through_before(const OutboxItem& item, std::int64_t window_ms);

  /// Up to `limit` rows due at `now_ms` and not leased, oldest request first.
  Task<std::vector<OutboxItem>> due(std::int64_t now_ms, std::int64_t limit);
  /// Takes the row until `lease_until_ms` and counts a try; false when another courier holds it
  /// or it ended meanwhile.
  Task<bool> claim(std::string id, std::int64_t now_ms, std::int64_t lease_until_ms);
  /// Records how the row ended (outcome::kSent, outcome::kFailed or why nothing was sent).
  Task<void> finish(std::string id, std::string how, std::int64_t now_ms, std::string error = {});
  /// Gives the row back, due again at `next_attempt_ms`.
  Task<void> retry(std::string id, std::int64_t next_attempt_ms, std::string error);
  /// Rows not ended yet.
  Task<std::int64_t> pending();
  /// Deletes rows that ended before `before_ms`.
  Task<void> forget_ended_before(std::int64_t before_ms);

  /// Called after each commit that queued mail (quick, never throws).
  void on_queued(std::function<void()> f) { on_queued_ = std::move(f); }

 private:
  storage::Database& db_;
  std::string due_;
  std::function<void()> on_queued_;
};

}  // namespace keel::mail
