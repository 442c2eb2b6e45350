#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace keel {

/// The authenticated caller, as a verified, unrevoked access token says.
struct Principal {
  std::string user_id;
  std::string role;
  std::string session_id;

  bool is_admin() const noexcept { return role == "admin"; }
};

/// Who sent a request: a principal, nobody, or a token that was refused (and why). The auth
/// middleware decides it once per request; services never see this, only what it yields.
class Caller {
 public:
  /// No Authorization header: anonymous.
  Caller() = default;
  static Caller signed_in(Principal principal);
  /// A token was sent but refused: `why` is UNAUTHORIZED or TOKEN_EXPIRED.
  static Caller refused(ErrorCode why);

  /// The caller of a route that needs one. Throws 401 UNAUTHORIZED (or TOKEN_EXPIRED).
  const Principal& require() const;
  /// The caller of a route that also serves anonymous clients: nullopt when no token was
  /// sent. Throws the token's 401 when one was sent and refused (a bad token is never anonymous).
  std::optional<Principal> optional() const;
  /// The signed-in user's id, for logs; empty otherwise.
  std::string_view user_id() const noexcept { return principal_ ? std::string_view(principal_->user_id) : std::string_view(); }

 private:
  std::optional<Principal> principal_;
  std::optional<ErrorCode> refusal_;
};

}  // namespace keel
