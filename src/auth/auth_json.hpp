#pragma once

#include <string>
#include <utility>

#include <boost/json/fwd.hpp>

#include "auth/auth_service.hpp"

namespace keel::auth {

/// Request bodies parsed and validated at the edge: every field error collected into one
/// 400 VALIDATION_ERROR; unknown fields are errors too.
users::NewUser parse_register(const boost::json::object& body);
/// {email, password}: the email normalised like register's.
std::pair<std::string, std::string> parse_login(const boost::json::object& body);
/// {refreshToken}
std::string parse_refresh(const boost::json::object& body);

/// {token} of POST /api/auth/verify-email.
std::string parse_verify_email(const boost::json::object& body);
/// {email} of POST /api/auth/forgot-password: the email normalised; malformed is a 400.
std::string parse_forgot_password(const boost::json::object& body);
/// {token, password} of POST /api/auth/reset-password: the password by the rules of sign-up.
std::pair<std::string, std::string> parse_reset_password(const boost::json::object& body);

boost::json::object token_response_json(const TokenResponse& r);

}  // namespace keel::auth
