#include "auth/auth_middleware.hpp"

#include "auth/revocations.hpp"
#include "auth/token_service.hpp"
#include "core/error.hpp"

namespace keel::auth {
namespace {

constexpr std::string_view kBearer = "Bearer ";

}  // namespace

http::Middleware auth_middleware(const TokenService& tokens, const Revocations& revocations) {
  return [&tokens, &revocations](http::Request& req, http::Context& ctx, http::Next next) -> Task<http::Response> {
    if (const auto header = req.headers.get("Authorization")) {
      if (!header->starts_with(kBearer) || header->size() == kBearer.size()) {
        ctx.auth_failure = ErrorCode::kUnauthorized;
      } else {
        try {
          Claims claims = tokens.verify(header->substr(kBearer.size()));
          if (revocations.is_revoked(claims.session_id)) {
            ctx.auth_failure = ErrorCode::kUnauthorized;
          } else {
            ctx.user_id = claims.user_id;
            ctx.principal = http::Principal{std::move(claims.user_id), std::move(claims.role),
                                            std::move(claims.session_id)};
          }
        } catch (const Error& e) {
          ctx.auth_failure = e.code();
        }
      }
    }
    co_return co_await next(req, ctx);
  };
}

const http::Principal& authenticated(const http::Context& ctx) {
  if (ctx.principal) return *ctx.principal;
  if (ctx.auth_failure == ErrorCode::kTokenExpired) throw Error(ErrorCode::kTokenExpired, "The access token has expired");
  if (ctx.auth_failure) throw Error::unauthorized("The access token is not valid");
  throw Error::unauthorized("Authentication is required: send Authorization: Bearer <accessToken>");
}

}  // namespace keel::auth
