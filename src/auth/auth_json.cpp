#include "auth/auth_json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "core/password_hasher.hpp"
#include "core/text_rules.hpp"
#include "http/json_body.hpp"
#include "users/user_json.hpp"

namespace keel::auth {

users::NewUser parse_register(const boost::json::object& body) {
  ErrorDetails details;
  users::NewUser in = users::parse_account(body, {}, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  return in;
}

std::pair<std::string, std::string> parse_login(const boost::json::object& body) {
  ErrorDetails details;
  http::reject_unknown_fields(body, {"email", "password"}, details);
  std::string email, password;
  http::read_required_string(body, "email", email, details);
  http::read_required_string(body, "password", password, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  // A malformed email can't match an account: it gets the same answer as a wrong password.
  return {normalise_email(email).value_or(std::string()), std::move(password)};
}

std::string parse_refresh(const boost::json::object& body) {
  ErrorDetails details;
  http::reject_unknown_fields(body, {"refreshToken"}, details);
  std::string token;
  http::read_required_string(body, "refreshToken", token, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  return token;
}

std::string parse_verify_email(const boost::json::object& body) {
  ErrorDetails details;
  http::reject_unknown_fields(body, {"token"}, details);
  std::string token;
  http::read_required_string(body, "token", token, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  return token;
}

std::string parse_forgot_password(const boost::json::object& body) {
  ErrorDetails details;
  http::reject_unknown_fields(body, {"email"}, details);
  std::string email;
  std::optional<std::string> normal;
  if (http::read_required_string(body, "email", email, details)) {
    normal = normalise_email(email);
    if (!normal) details["email"] = "must be a valid email address";
  }
  if (!details.empty()) throw Error::validation(std::move(details));
  return std::move(*normal);
}

std::pair<std::string, std::string> parse_reset_password(const boost::json::object& body) {
  ErrorDetails details;
  http::reject_unknown_fields(body, {"token", "password"}, details);
  std::string token, password;
  http::read_required_string(body, "token", token, details);
  if (http::read_required_string(body, "password", password, details)) check_password(password, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  return {std::move(token), std::move(password)};
}

boost::json::object token_response_json(const TokenResponse& r) {
  return {{"user", users::user_json(r.user)},
          {"accessToken", r.access_token},
          {"refreshToken", r.refresh_token},
          {"tokenType", "Bearer"},
          {"expiresIn", r.expires_in}};
}

}  // namespace keel::auth
