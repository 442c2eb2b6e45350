#include "mail/mail_courier.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/blocking_pool.hpp"
#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "mail/smtp_sender.hpp"

namespace keel::mail {
namespace {

using Steady = std::chrono::steady_clock;

// Ended rows are kept this long: the throttles look back 15 minutes (reset mail) and up to a
// day (MAIL_THROTTLE's largest value).
constexpr std::int64_t kKeepEndedMs = 25LL * 3600 * 1000;

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

MailCourier::MailCourier(MailOutbox& outbox, std::unique_ptr<MailTransport> transport, Composer composer,
                         Metrics& metrics, MailCourierOptions options)
    : outbox_(outbox),
      transport_(std::move(transport)),
      composer_(std::move(composer)),
      options_(std::move(options)),
      // One thread, one job at a time: run() awaits each send before the next.
      thread_(std::make_unique<BlockingPool>(1, 4)),
      sent_(metrics.counter("keel_mail_sent_total", "Mails the SMTP server (or the .eml folder) took.").series({})),
      failed_(metrics.counter("keel_mail_failed_total", "Mails given up: the server refused them for good.").series({})),
      queued_(metrics.gauge("keel_mail_queued", "Mails waiting in the outbox.")) {}

MailCourier::~MailCourier() { stop(); }

void MailCourier::stop() noexcept {
  if (!thread_) return;
  thread_->stop();
  thread_.reset();
}

Task<void> MailCourier::run() {
  if (Steady::now() >= next_cleanup_) {
    next_cleanup_ = Steady::now() + std::chrono::minutes(10);
    co_await outbox_.forget_ended_before(system_ms() - kKeepEndedMs);
  }
  // Idle, a run is one statement (the look for due rows): the outbox is counted for the gauge only
  // when mail moved or waits out a back-off.
  if (Steady::now() < next_try_) {
    const std::int64_t waiting = co_await outbox_.pending();
    queued_.set(waiting);
    co_return;
  }
  bool moved = false;
  for (;;) {
    std::vector<OutboxItem> due = co_await outbox_.due(system_ms(), options_.batch);
    if (due.empty()) break;
    moved = true;
    bool went_on = true;
    for (OutboxItem& item : due) {
      went_on = co_await deliver(std::move(item));
      if (!went_on) break;
    }
    if (!went_on || static_cast<std::int64_t>(due.size()) < options_.batch) break;
  }
  if (moved) {
    const std::int64_t waiting = co_await outbox_.pending();
    queued_.set(waiting);
  }
}

Task<bool> MailCourier::deliver(OutboxItem item) {
  const std::int64_t now = system_ms();
  const bool mine = co_await outbox_.claim(item.id, now, now + options_.lease.count());
  if (!mine) co_return true;  // another courier's
  ++item.attempts;
  const std::string id = item.id;
  const std::string kind = item.kind;
  const int attempts = item.attempts;
  Composed composed = co_await composer_(std::move(item));
  if (!composed.message) {
    spdlog::debug("mail: {} {} not sent: {}", kind, id, composed.skipped);
    co_await outbox_.finish(id, std::move(composed.skipped), system_ms());
    co_return true;
  }
  const std::string rendered = render(*composed.message, options_.from, std::chrono::system_clock::now(), id);
  const std::string to = composed.message->to;
  std::optional<SendFailed> failure;  // acted on outside the handler: no co_await in a catch
  try {
    co_await thread_->run_always([&] { transport_->send(to, rendered); });
  } catch (const SendFailed& e) {
    failure = e;
  }
  if (failure && failure->permanent()) {
    spdlog::warn("mail: {} {} refused for good by {}: {}; not tried again", kind, id, transport_->where(), failure->what());
    failed_.inc();
    co_await outbox_.finish(id, outcome::kFailed, system_ms(), failure->what());
    co_return true;
  }
  if (failure) {
    // Doubling from retry_min: 1 s, 2 s, 4 s ... up to retry_max.
    const int doublings = std::min(attempts - 1, 30);
    const auto wait = std::min(options_.retry_max, options_.retry_min * (std::int64_t{1} << doublings));
    co_await outbox_.retry(id, system_ms() + wait.count(), failure->what());
    transport_failed(failure->what(), wait);
    co_return false;
  }
  co_await outbox_.finish(id, outcome::kSent, system_ms());
  sent_.inc();
  if (said_down_) {
    said_down_ = false;
    spdlog::info("mail: {} takes mail again; sending what waited", transport_->where());
  }
  spdlog::info("mail: {} {} sent (try {})", kind, id, attempts);
  co_return true;
}

void MailCourier::transport_failed(const std::string& why, std::chrono::milliseconds wait) {
  next_try_ = Steady::now() + std::min(wait, options_.retry_max);
  if (!said_down_) {
    said_down_ = true;
    spdlog::warn("mail: cannot send through {} ({}); mail waits in the outbox and is tried again with back-off up "
                 "to {} s", transport_->where(), why, options_.retry_max.count() / 1000.0);
  } else {
    spdlog::debug("mail: still cannot send through {}: {}", transport_->where(), why);
  }
}

}  // namespace keel::mail
