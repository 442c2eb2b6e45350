#include "auth/revocations.hpp"

#include <algorithm>


namespace keel::auth {
namespace {

// Clocks of instances differ a little, and a revocation may commit just after a poll read
// past it: every poll re-reads this much of the past.
constexpr std::int64_t kOverlapMs = 5000;

}  // namespace

Revocations::Revocations(SessionStore& sessions, std::chrono::seconds access_ttl, const Clock& clock)
    : sessions_(sessions), clock_(clock), ttl_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(access_ttl).count()) {}

bool Revocations::is_revoked(std::string_view session_id) const {
  std::lock_guard l(mutex_);
  return revoked_.find(std::string(session_id)) != revoked_.end();
}

void Revocations::add(std::string session_id, std::int64_t revoked_at_ms) {
  std::lock_guard l(mutex_);
  revoked_.emplace(std::move(session_id), revoked_at_ms);
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
  for (const auto& [id, at] : found) revoked_.emplace(id, at);
  std::erase_if(revoked_, [&](const auto& entry) { return entry.second < now - ttl_ms_ - kOverlapMs; });
  synced_until_ms_ = now;
}

Task<void> Revocations::revoke_user_sessions(std::string user_id, std::string keep) {
  const std::int64_t now = clock_.unix_ms();
  const auto revoked = co_await sessions_.revoke_user(std::move(user_id), std::move(keep), now);
  for (const auto& sid : revoked) add(sid, now);
}

}  // namespace keel::auth
