#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "storage/database.hpp"

namespace keel::auth {

/// A sign-in session: the refresh token's hash, the one it replaced, and when.
struct Session {
  std::string id;
  std::string user_id;
  std::string refresh_hash;
  std::string previous_hash;  // empty before the first refresh
  std::int64_t rotated_at_ms = 0;
  std::int64_t expires_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;
};

/// The sessions table, and session_revocations. Refresh tokens are never stored, only their SHA-256 hashes.
class SessionStore {
 public:
  /// Builds its statements in db's dialect.
  explicit SessionStore(storage::Database& db);

  /// Inside `tx` (the sign-in's, which records its event too): inserts the session.
  Task<void> create(storage::Transaction& tx, Session session, std::string created_at);
  Task<std::optional<Session>> find(std::string id);
  /// Replaces the refresh hash if it is still `old_hash` (and the session is live): true when
  /// this call won; false when a concurrent refresh got there first.
  Task<bool> rotate(std::string id, std::string old_hash, std::string new_hash, std::int64_t now_ms);
  /// Marks the session revoked and records the revocation in session_revocations, which
  /// outlives the session (idempotent), inside `tx`.
  /// True when this call revoked it (false: it was revoked already, or is unknown).
  Task<bool> revoke(storage::Transaction& tx, std::string id, std::int64_t now_ms);
  /// The same inside `tx` for every live session of the user except `keep` (may be empty);
  /// returns their ids.
  Task<std::vector<std::string>> revoke_user(storage::Transaction& tx, std::string user_id, std::string keep,
                                             std::int64_t now_ms);
  /// Sessions revoked at or after `since_ms`, deleted ones included: (id, revoked_at_ms).
  Task<std::vector<std::pair<std::string, std::int64_t>>> revoked_since(std::int64_t since_ms);
  /// Drops the records of revocations made before `before_ms`.
  Task<void> forget_revocations_before(std::int64_t before_ms);

 private:
  storage::Database& db_;
  std::string find_;            // $1 id
  std::string live_of_user_;    // $1 user id, $2 session to keep
  std::string record_of_user_;  // $1 user id, $2 ms, $3 session to keep
  std::string revoke_of_user_;  // $1 user id, $2 ms, $3 session to keep
  std::string revoked_since_;   // $1 ms
};

}  // namespace keel::auth
