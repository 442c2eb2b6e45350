#include "auth/auth_routes.hpp"

#include <boost/json/value.hpp>

#include "auth/auth_json.hpp"
#include "auth/auth_middleware.hpp"
#include "auth/auth_service.hpp"
#include "http/json_body.hpp"

namespace keel::auth {

void add_routes(http::Router& router, AuthService& auth) {
  router.add(http::Method::post, "/api/auth/register", [&auth](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    auth.limit_address(req.remote_address);
    RegisterInput input = parse_register(http::require_json_object(ctx));
    const TokenResponse r = co_await auth.register_user(std::move(input));
    co_return http::Response::json(201, token_response_json(r));
  }, {.summary = "Create an account (role user) and sign in", .tag = "auth", .request = "RegisterRequest", .response = "TokenResponse", .status = 201, .errors = {409, 429}});

  router.add(http::Method::post, "/api/auth/login", [&auth](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    auth.limit_address(req.remote_address);
    auto [email, password] = parse_login(http::require_json_object(ctx));
    const TokenResponse r = co_await auth.login(std::move(email), std::move(password), req.remote_address);
    co_return http::Response::json(200, token_response_json(r));
  }, {.summary = "Sign in with email and password", .tag = "auth", .request = "LoginRequest", .response = "TokenResponse", .errors = {401, 429}});

  router.add(http::Method::post, "/api/auth/refresh", [&auth](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    auth.limit_address(req.remote_address);
    std::string token = parse_refresh(http::require_json_object(ctx));
    const TokenResponse r = co_await auth.refresh(std::move(token));
    co_return http::Response::json(200, token_response_json(r));
  }, {.summary = "Trade a refresh token for new tokens (rotation with reuse detection)", .tag = "auth", .request = "RefreshRequest", .response = "TokenResponse", .errors = {401, 429}});

  router.add(http::Method::post, "/api/auth/logout", [&auth](http::Request&, http::Context& ctx) -> Task<http::Response> {
    http::Principal principal = authenticated(ctx);
    co_await auth.logout(std::move(principal));
    co_return http::Response::empty(204);
  }, {.summary = "Revoke the session of the access token", .tag = "auth", .bearer = true, .request = "LogoutRequest", .status = 204});

  router.add(http::Method::get, "/api/auth/me", [&auth](http::Request&, http::Context& ctx) -> Task<http::Response> {
    http::Principal principal = authenticated(ctx);
    const users::User user = co_await auth.me(std::move(principal));
    co_return http::Response::json(200, user_json(user));
  }, {.summary = "The signed-in user", .tag = "auth", .bearer = true, .response = "User"});
}

}  // namespace keel::auth
