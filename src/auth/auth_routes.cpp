#include "auth/auth_routes.hpp"

#include <boost/json/value.hpp>

#include "auth/account_mail.hpp"
#include "auth/auth_json.hpp"
#include "auth/auth_service.hpp"
#include "http/json_body.hpp"
#include "users/user_json.hpp"

namespace keel::auth {

namespace {

// The bodies of API.md §3 (User is the users feature's).
constexpr std::string_view kSchemas = R"json({
  "TokenResponse": {
    "type": "object", "required": ["user", "accessToken", "refreshToken", "tokenType", "expiresIn"],
    "additionalProperties": false,
    "properties": {
      "user": {"$ref": "#/components/schemas/User"}, "accessToken": {"type": "string", "description": "JWT (HS256)"},
      "refreshToken": {"type": "string", "description": "opaque, single use"}, "tokenType": {"const": "Bearer"},
      "expiresIn": {"type": "integer", "description": "seconds"}}
  },
  "RegisterRequest": {
    "type": "object", "required": ["email", "password", "name"], "additionalProperties": false,
    "properties": {
      "email": {"$ref": "#/components/schemas/EmailInput"},
      "password": {"type": "string", "description": "8 to 72 bytes of UTF-8 (bytes, not characters), without U+0000"},
      "name": {"$ref": "#/components/schemas/NameInput"}},
    "example": {"email": "ada@example.com", "password": "correct horse", "name": "Ada"}
  },
  "LoginRequest": {
    "type": "object", "required": ["email", "password"], "additionalProperties": false,
    "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    "example": {"email": "ada@example.com", "password": "correct horse"}
  },
  "RefreshRequest": {
    "type": "object", "required": ["refreshToken"], "additionalProperties": false,
    "properties": {"refreshToken": {"type": "string"}}
  },
  "LogoutRequest": {
    "type": "object", "additionalProperties": false, "properties": {"refreshToken": {"type": "string"}}
  },
  "Accepted": {
    "type": "object", "additionalProperties": false, "properties": {},
    "description": "The request is taken; the mail (if any) is sent in the background"
  },
  "VerifyEmailRequest": {
    "type": "object", "required": ["token"], "additionalProperties": false,
    "properties": {"token": {"type": "string", "description": "from the link of the verification mail"}}
  },
  "ForgotPasswordRequest": {
    "type": "object", "required": ["email"], "additionalProperties": false,
    "properties": {"email": {"$ref": "#/components/schemas/EmailInput"}},
    "example": {"email": "ada@example.com"}
  },
  "ResetPasswordRequest": {
    "type": "object", "required": ["token", "password"], "additionalProperties": false,
    "properties": {
      "token": {"type": "string", "description": "from the link of the reset mail"},
      "password": {"type": "string", "description": "8 to 72 bytes of UTF-8 (bytes, not characters), without U+0000"}}
  }
})json";

}  // namespace

void add_routes(openapi::Routes& routes, AuthService& auth, AccountMail& account_mail) {
  routes.add_schemas(kSchemas);

  routes.add(http::Method::post, "/api/auth/register", [&auth](http::Request& req, http::Context&) -> Task<http::Response> {
    co_await auth.limit_address(req.remote_address);
    users::NewUser input = parse_register(http::require_json_object(req));
    const TokenResponse r = co_await auth.register_user(std::move(input));
    co_return http::Response::json(201, token_response_json(r));
  }, {.summary = "Create an account (role user) and sign in", .tag = "auth", .request = "RegisterRequest", .response = "TokenResponse", .status = 201, .errors = {409, 429}});

  routes.add(http::Method::post, "/api/auth/login", [&auth](http::Request& req, http::Context&) -> Task<http::Response> {
    co_await auth.limit_address(req.remote_address);
    auto [email, password] = parse_login(http::require_json_object(req));
    const TokenResponse r = co_await auth.login(std::move(email), std::move(password), req.remote_address);
    co_return http::Response::json(200, token_response_json(r));
  }, {.summary = "Sign in with email and password", .tag = "auth", .request = "LoginRequest", .response = "TokenResponse", .errors = {401, 429}});

  routes.add(http::Method::post, "/api/auth/refresh", [&auth](http::Request& req, http::Context&) -> Task<http::Response> {
    co_await auth.limit_address(req.remote_address);
    std::string token = parse_refresh(http::require_json_object(req));
    const TokenResponse r = co_await auth.refresh(std::move(token));
    co_return http::Response::json(200, token_response_json(r));
  }, {.summary = "Trade a refresh token for new tokens (rotation with reuse detection)", .tag = "auth", .request = "RefreshRequest", .response = "TokenResponse", .errors = {401, 429}});

  routes.add(http::Method::post, "/api/auth/logout", [&auth](http::Request&, http::Context& ctx) -> Task<http::Response> {
    Principal principal = ctx.caller.require();
    co_await auth.logout(std::move(principal));
    co_return http::Response::empty(204);
  }, {.summary = "Revoke the session of the access token", .tag = "auth", .bearer = true, .request = "LogoutRequest", .request_optional = true, .status = 204});

  routes.add(http::Method::get, "/api/auth/me", [&auth](http::Request&, http::Context& ctx) -> Task<http::Response> {
    Principal principal = ctx.caller.require();
    const users::User user = co_await auth.me(std::move(principal));
    co_return http::Response::json(200, users::user_json(user));
  }, {.summary = "The signed-in user", .tag = "auth", .bearer = true, .response = "User"});

  // Account e-mail (API.md §11). Each counts against RATE_LIMIT_AUTH per client address too: they
  // send mail or spend bcrypt time.
  routes.add(http::Method::post, "/api/auth/request-verification", [&auth, &account_mail](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    Principal principal = ctx.caller.require();
    co_await auth.limit_address(req.remote_address);
    co_await account_mail.request_verification(std::move(principal));
    co_return http::Response::json(202, boost::json::object());
  }, {.summary = "Mail the caller a link that verifies their address", .tag = "auth", .bearer = true, .response = "Accepted", .status = 202, .errors = {429}});

  routes.add(http::Method::post, "/api/auth/verify-email", [&auth, &account_mail](http::Request& req, http::Context&) -> Task<http::Response> {
    co_await auth.limit_address(req.remote_address);
    std::string token = parse_verify_email(http::require_json_object(req));
    const users::User user = co_await account_mail.verify_email(std::move(token));
    co_return http::Response::json(200, users::user_json(user));
  }, {.summary = "Verify an address with the token of its mail", .tag = "auth", .request = "VerifyEmailRequest", .response = "User", .errors = {429}});

  routes.add(http::Method::post, "/api/auth/forgot-password", [&auth, &account_mail](http::Request& req, http::Context&) -> Task<http::Response> {
    co_await auth.limit_address(req.remote_address);
    std::string email = parse_forgot_password(http::require_json_object(req));
    co_await account_mail.forgot_password(std::move(email));
    co_return http::Response::json(202, boost::json::object());
  }, {.summary = "Mail a password reset link, if an account has this address (the answer is the same either way)", .tag = "auth", .request = "ForgotPasswordRequest", .response = "Accepted", .status = 202, .errors = {429}});

  routes.add(http::Method::post, "/api/auth/reset-password", [&auth, &account_mail](http::Request& req, http::Context&) -> Task<http::Response> {
    co_await auth.limit_address(req.remote_address);
    auto [token, password] = parse_reset_password(http::require_json_object(req));
    co_await account_mail.reset_password(std::move(token), std::move(password));
    co_return http::Response::empty(204);
  }, {.summary = "Set a new password with the token of a reset mail; signs out every session", .tag = "auth", .request = "ResetPasswordRequest", .status = 204, .errors = {429}});
}

}  // namespace keel::auth
