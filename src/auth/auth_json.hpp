#pragma once

#include <string>

#include <boost/json/fwd.hpp>

#include "auth/auth_service.hpp"
#include "core/error.hpp"

namespace keel::auth {

/// Request bodies parsed and validated at the edge: every field error collected into one
/// 400 VALIDATION_ERROR; unknown fields are errors too.
RegisterInput parse_register(const boost::json::object& body);
/// {email, password}: the email normalised like register's.
std::pair<std::string, std::string> parse_login(const boost::json::object& body);
/// {refreshToken}
std::string parse_refresh(const boost::json::object& body);

/// `email` trimmed and lowercased, when it is a syntactically valid address (max 254);
/// otherwise std::nullopt.
std::optional<std::string> normalise_email(std::string_view email);

/// Records in `details` why a password is refused (8–72 bytes: bcrypt's limit, never truncated).
void check_password(const std::string& password, ErrorDetails& details);
/// The name trimmed; records in `details` when it is not 1–100 characters after trimming.
std::string check_name(std::string_view raw, ErrorDetails& details);

boost::json::object user_json(const users::User& user);
boost::json::object token_response_json(const TokenResponse& r);

}  // namespace keel::auth
