#include "core/principal.hpp"

namespace keel {

Caller Caller::signed_in(Principal principal) {
  Caller c;
  c.principal_ = std::move(principal);
  return c;
}

Caller Caller::refused(ErrorCode why) {
  Caller c;
  c.refusal_ = why;
  return c;
}

const Principal& Caller::require() const {
  if (principal_) return *principal_;
  if (refusal_ == ErrorCode::kTokenExpired) throw Error(ErrorCode::kTokenExpired, "The access token has expired");
  if (refusal_) throw Error::unauthorized("The access token is not valid");
  throw Error::unauthorized("Authentication is required: send Authorization: Bearer <accessToken>");
}

std::optional<Principal> Caller::optional() const {
  if (!principal_ && refusal_) require();  // throws the token's 401
  return principal_;
}

}  // namespace keel
