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
        ctx.caller = Caller::refused(ErrorCode::kUnauthorized);
      } else {
        try {
          Claims claims = tokens.verify(header->substr(kBearer.size()));
          if (revocations.is_revoked(claims.session_id)) {
            ctx.caller = Caller::refused(ErrorCode::kUnauthorized);
          } else {
            ctx.caller = Caller::signed_in(
                Principal{std::move(claims.user_id), std::move(claims.role), std::move(claims.session_id)});
          }
        } catch (const Error& e) {
          ctx.caller = Caller::refused(e.code());
        }
      }
    }
    co_return co_await next(req, ctx);
  };
}

}  // namespace keel::auth
