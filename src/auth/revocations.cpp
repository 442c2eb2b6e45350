#include "auth/revocations.hpp"

#include <algorithm>

namespace keel::auth {
namespace {

// Clocks of instances differ a little, and a revocation may commit just after a poll read
// past it: every poll re-reads this much of the past.
constexpr std::int64_t kOverlapMs = 5000;

// A revocation's record must outlive every access token it refuses, including tokens another
// instance issued with a longer ACCESS_TOKEN_TTL than this one's: so it is kept for the longest
// lifetime keel allows (86400 s, app/config.cpp), or this instance's own if that is longer.
constexpr std::int64_t kLongestAccessTtlMs = 86'400'000;

}  // namespace

Revocations::Revocations(SessionStore& sessions, std::chrono::seconds access_ttl, const Clock& clock)
    : sessions_(sessions), clock_(clock), ttl_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(access_ttl).count()) {}

bool Revocations::is_revoked(std::string_view session_id) const {
  std::lock_guard l(mutex_);
  return revoked_.find(std::string(session_id)) != revoked_.end();
}

void Revocations::add(std::string session_id, std::int64_t revoked_at_ms) {
  {
    std::lock_guard l(mutex_);
    if (revoked_.emplace(session_id, revoked_at_ms).second) ++revision_;
  }
  if (on_local_) on_local_({session_id}, revoked_at_ms);
}

void Revocations::apply_remote(const std::vector<std::string>& session_ids, std::int64_t at_ms) {
  std::lock_guard l(mutex_);
  for (const auto& sid : session_ids) {
    if (revoked_.emplace(sid, at_ms).second) ++revision_;
  }
}

Task<void> Revocations::sync() {
  const std::int64_t now = clock_.unix_ms();
  std::int64_t since;
  {
    std::lock_guard l(mutex_);
    since = synced_until_ms_ == 0 ? now - ttl_ms_ - kOverlapMs : synced_until_ms_ - kOverlapMs;
  }
  const auto found = co_await sessions_.revoked_since(since);
  std::lock_guard l(mutex_);
  for (const auto& [id, at] : found) {
    if (revoked_.emplace(id, at).second) ++revision_;
  }
  std::erase_if(revoked_, [&](const auto& entry) { return entry.second < now - ttl_ms_ - kOverlapMs; });
  synced_until_ms_ = now;
}

Task<void> Revocations::forget_expired() {
  const std::int64_t keep_ms = std::max(ttl_ms_, kLongestAccessTtlMs) + kOverlapMs;
  co_await sessions_.forget_revocations_before(clock_.unix_ms() - keep_ms);
}

Task<std::vector<std::string>> Revocations::revoke_user_sessions(storage::Transaction& tx, std::string user_id,
                                                                 std::string keep) {
  const std::int64_t now = clock_.unix_ms();  // not inside co_await: g++ 12
  co_return co_await sessions_.revoke_user(tx, std::move(user_id), std::move(keep), now);
}

void Revocations::revoked(std::vector<std::string> session_ids) {
  const std::int64_t now = clock_.unix_ms();
  {
    std::lock_guard l(mutex_);
    for (const auto& sid : session_ids) {
      if (revoked_.emplace(sid, now).second) ++revision_;
    }
  }
  if (on_local_ && !session_ids.empty()) on_local_(session_ids, now);
}

}  // namespace keel::auth
