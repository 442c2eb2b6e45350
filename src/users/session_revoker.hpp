#pragma once

#include <string>
#include <vector>

#include "core/async.hpp"
#include "storage/database.hpp"

namespace keel::users {

/// How the users feature ends a user's sign-in sessions, without knowing how sessions work:
/// auth implements it (auth::Revocations). Narrow on purpose, so users never includes auth.
class SessionRevoker {
 public:
  virtual ~SessionRevoker() = default;
  /// Revokes every live session of `user_id` except `keep` (empty: all of them) inside `tx`, the
  /// transaction of the change that calls for it, so both commit or neither. The record of the
  /// revocation outlives the sessions (deleting the user deletes them), so every instance keeps
  /// refusing their tokens, also after a restart. Returns the sessions revoked, for revoked().
  /// Throws keel::Error when the database can't record it.
  virtual Task<std::vector<std::string>> revoke_user_sessions(storage::Transaction& tx, std::string user_id,
                                                              std::string keep) = 0;
  /// Once that transaction committed: this instance refuses those sessions' tokens at once
  /// (other instances do at their next sync with the database).
  virtual void revoked(std::vector<std::string> session_ids) = 0;
};

}  // namespace keel::users
