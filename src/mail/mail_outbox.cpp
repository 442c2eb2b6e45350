#include "mail/mail_outbox.hpp"

#include <chrono>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::mail {
namespace {

constexpr std::string_view kInsert =
    "INSERT INTO mail_outbox (id, kind, address, user_id, requested_at_ms, next_attempt_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kLastRequested =
    "SELECT MAX(requested_at_ms) FROM mail_outbox WHERE kind = $1 AND user_id = $2";
// Earlier in the window: asked for before the item (or in the same millisecond with a smaller
// id), and sent or still waiting (throttled and dropped ones were never let through).
constexpr std::string_view kLetThrough =
    "SELECT COUNT(*) FROM mail_outbox WHERE kind = $1 AND address = $2 AND requested_at_ms > $3 "
    "AND (requested_at_ms < $4 OR (requested_at_ms = $4 AND id < $5)) AND (outcome IS NULL OR outcome = 'sent')";
// The {} are uuid columns read as text (id, user_id).
constexpr std::string_view kDue =
    "SELECT {}, kind, address, {}, requested_at_ms, attempts FROM mail_outbox "
    "WHERE outcome IS NULL AND next_attempt_ms <= $1 AND (lease_until_ms IS NULL OR lease_until_ms <= $1) "
    "ORDER BY requested_at_ms, id LIMIT $2";
// Compare-and-set: of two couriers claiming one row, one changes it and the other none.
constexpr std::string_view kClaim =
    "UPDATE mail_outbox SET lease_until_ms = $3, attempts = attempts + 1 "
    "WHERE id = $1 AND outcome IS NULL AND (lease_until_ms IS NULL OR lease_until_ms <= $2)";
constexpr std::string_view kFinish =
    "UPDATE mail_outbox SET outcome = $2, done_at_ms = $3, lease_until_ms = NULL, last_error = $4 WHERE id = $1";
constexpr std::string_view kRetry =
    "UPDATE mail_outbox SET next_attempt_ms = $2, lease_until_ms = NULL, last_error = $3 WHERE id = $1";
constexpr std::string_view kPending = "SELECT COUNT(*) FROM mail_outbox WHERE outcome IS NULL";
constexpr std::string_view kForget = "DELETE FROM mail_outbox WHERE outcome IS NOT NULL AND done_at_ms < $1";

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t int_of(const storage::Value& v) {
  const auto* i = std::get_if<std::int64_t>(&v);
  return i ? *i : 0;
}

storage::Value text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

}  // namespace

MailOutbox::MailOutbox(storage::Database& db)
    : db_(db), due_(fmt::format(kDue, db.dialect().uuid_text("id"), db.dialect().uuid_text("user_id"))) {}

Task<void> MailOutbox::enqueue(storage::Transaction& tx, std::string kind, std::string address,
                               std::optional<std::string> user_id, std::int64_t requested_at_ms) {
  storage::Value user = nullptr;
  if (user_id) user = std::move(*user_id);
  // Due by the system clock: the courier's schedule is mechanics, not a rule tests move.
  storage::Params params{new_uuid_v7(), std::move(kind), std::move(address), std::move(user), requested_at_ms, system_ms()};
  co_await tx.execute(std::string(kInsert), std::move(params));
  if (on_queued_) tx.after_commit(on_queued_);
}

Task<std::optional<std::int64_t>> MailOutbox::last_requested(storage::Transaction& tx, std::string kind,
                                                             std::string user_id) {
  storage::Params params{std::move(kind), std::move(user_id)};
  const storage::Result r = co_await tx.execute(std::string(kLastRequested), std::move(params));
  if (r.rows.empty()) co_return std::nullopt;
  if (const auto* at = std::get_if<std::int64_t>(&r.rows[0][0])) co_return *at;
  co_return std::nullopt;
}

Task<std::int64_t> MailOutbox::let_through_before(const OutboxItem& item, std::int64_t window_ms) {
  storage::Params params{item.kind, item.address, item.requested_at_ms - window_ms, item.requested_at_ms, item.id};
  const storage::Result r = co_await db_.query(std::string(kLetThrough), std::move(params));
  co_return r.rows.empty() ? 0 : int_of(r.rows[0][0]);
}

Task<std::vector<OutboxItem>> MailOutbox::due(std::int64_t now_ms, std::int64_t limit) {
  storage::Params params{now_ms, limit};
  const storage::Result r = co_await db_.query(due_, std::move(params));
  std::vector<OutboxItem> out;
  out.reserve(r.rows.size());
  for (const auto& row : r.rows) {
    OutboxItem item;
    item.id = std::get<std::string>(row[0]);
    item.kind = std::get<std::string>(row[1]);
    item.address = std::get<std::string>(row[2]);
    if (const auto* user = std::get_if<std::string>(&row[3])) item.user_id = *user;
    item.requested_at_ms = int_of(row[4]);
    item.attempts = static_cast<int>(int_of(row[5]));
    out.push_back(std::move(item));
  }
  co_return out;
}

Task<bool> MailOutbox::claim(std::string id, std::int64_t now_ms, std::int64_t lease_until_ms) {
  storage::Params params{std::move(id), now_ms, lease_until_ms};
  const storage::Result r = co_await db_.execute(std::string(kClaim), std::move(params));
  co_return r.rows_affected == 1;
}

Task<void> MailOutbox::finish(std::string id, std::string how, std::int64_t now_ms, std::string error) {
  storage::Params params{std::move(id), std::move(how), now_ms, text_or_null(error)};
  co_await db_.execute(std::string(kFinish), std::move(params));
}

Task<void> MailOutbox::retry(std::string id, std::int64_t next_attempt_ms, std::string error) {
  storage::Params params{std::move(id), next_attempt_ms, text_or_null(error)};
  co_await db_.execute(std::string(kRetry), std::move(params));
}

Task<std::int64_t> MailOutbox::pending() {
  const storage::Result r = co_await db_.query(std::string(kPending));
  co_return r.rows.empty() ? 0 : int_of(r.rows[0][0]);
}

Task<void> MailOutbox::forget_ended_before(std::int64_t before_ms) {
  storage::Params params{before_ms};
  co_await db_.execute(std::string(kForget), std::move(params));
}

}  // namespace keel::mail
