#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/session_store.hpp"
#include "core/async.hpp"
#include "core/clock.hpp"
#include "users/session_revoker.hpp"

namespace keel::auth {

/// Which sessions are revoked, in memory, so the per-request check costs a hash lookup rather
/// than a query. Kept in step with the database: filled at start, and polled for revocations
/// made by other instances (so a logout anywhere is honoured everywhere within a poll period).
/// Entries older than the access-token lifetime are dropped: their tokens have expired anyway.
class Revocations : public users::SessionRevoker {
 public:
  Revocations(SessionStore& sessions, std::chrono::seconds access_ttl, const Clock& clock);

  bool is_revoked(std::string_view session_id) const;
  /// Records a revocation made by this process (the database write is the caller's).
  void add(std::string session_id, std::int64_t revoked_at_ms);
  /// Reads revocations from the database since the last sync (with overlap); at start it
  /// reads every revocation still within the access-token lifetime.
  Task<void> sync();
  /// Revokes the user's live sessions but `keep` in the database, then here (users::SessionRevoker).
  Task<void> revoke_user_sessions(std::string user_id, std::string keep) override;

 private:
  SessionStore& sessions_;
  const Clock& clock_;
  std::int64_t ttl_ms_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> revoked_;
  std::int64_t synced_until_ms_ = 0;
};

}  // namespace keel::auth
