#pragma once

#include <string>

#include "core/async.hpp"

namespace keel::users {

/// How the users feature ends a user's sign-in sessions, without knowing how sessions work:
/// auth implements it (auth::Revocations). Narrow on purpose, so users never includes auth.
class SessionRevoker {
 public:
  virtual ~SessionRevoker() = default;
  /// Revokes every live session of `user_id` except `keep` (empty: all of them), durably and
  /// for every instance. Throws keel::Error when the database can't record it.
  virtual Task<void> revoke_user_sessions(std::string user_id, std::string keep) = 0;
};

}  // namespace keel::users
