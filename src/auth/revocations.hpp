#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/session_store.hpp"
#include "core/async.hpp"
#include "core/clock.hpp"
#include "users/session_revoker.hpp"

namespace keel::auth {

/// Which sessions are revoked, in memory, so the per-request check costs a hash lookup rather
/// than a query. Kept in step with the database: filled at start, and polled for revocations
/// made by other instances (so a logout anywhere is honoured everywhere within a poll period).
/// Entries older than the access-token lifetime are dropped: their tokens have expired anyway.
/// The database keeps revocations apart from the sessions (session_revocations), so those of a
/// deleted user's sessions survive the sessions; forget_expired() drops them once every token
/// they refuse has expired.
class Revocations : public users::SessionRevoker {
 public:
  Revocations(SessionStore& sessions, std::chrono::seconds access_ttl, const Clock& clock);

  bool is_revoked(std::string_view session_id) const;
  /// Grows with every session newly known as revoked: whoever checks many sessions (realtime's
  /// sockets) need only look again when it changed.
  std::uint64_t revision() const noexcept { return revision_.load(); }
  /// Records a revocation made by this process (the database write is the caller's).
  void add(std::string session_id, std::int64_t revoked_at_ms);
  /// Reads revocations from the database since the last sync (with overlap); at start it
  /// reads every revocation still within the access-token lifetime.
  Task<void> sync();
  /// Deletes the database's records of revocations older than the longest access-token lifetime
  /// (ACCESS_TOKEN_TTL's upper bound, or this instance's when longer). Throws keel::Error.
  Task<void> forget_expired();
  /// Revokes the user's live sessions but `keep` inside `tx` (users::SessionRevoker).
  Task<std::vector<std::string>> revoke_user_sessions(storage::Transaction& tx, std::string user_id,
                                                      std::string keep) override;
  /// Honours, here and at once, revocations whose transaction committed (users::SessionRevoker).
  void revoked(std::vector<std::string> session_ids) override;

  /// Called with each revocation this process makes (after its commit), so other instances can
  /// learn of it at once (Redis pub/sub); set before serving. Must be quick and never throw.
  void on_local(std::function<void(const std::vector<std::string>& session_ids, std::int64_t at_ms)> f) {
    on_local_ = std::move(f);
  }
  /// Honours revocations another instance announced (the database stays the truth: sync()).
  void apply_remote(const std::vector<std::string>& session_ids, std::int64_t at_ms);

 private:
  SessionStore& sessions_;
  const Clock& clock_;
  std::int64_t ttl_ms_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> revoked_;
  std::int64_t synced_until_ms_ = 0;
  std::atomic<std::uint64_t> revision_{0};
  std::function<void(const std::vector<std::string>&, std::int64_t)> on_local_;
};

}  // namespace keel::auth
