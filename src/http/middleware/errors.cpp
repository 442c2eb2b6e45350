#include "http/middleware/errors.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "http/error_response.hpp"

namespace keel::http {

Task<Response> error_middleware(Request& req, Context& ctx, Next next) {
  std::exception_ptr failure;
  try {
    co_return co_await next(req, ctx);
  } catch (...) {
    failure = std::current_exception();
  }
  try {
    std::rethrow_exception(failure);
  } catch (const Error& e) {
    if (http_status(e.code()) >= 500) {
      spdlog::error("request {} {} {} failed: {}", ctx.request_id, std::string_view(to_string(req.method)), req.path, e.what());
    }
    co_return error_response(e, ctx.request_id);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {} failed: {}", ctx.request_id, std::string_view(to_string(req.method)), req.path, e.what());
    co_return error_response(Error::internal(e.what()), ctx.request_id);
  } catch (...) {
    spdlog::error("request {} {} {} failed: unknown exception", ctx.request_id, std::string_view(to_string(req.method)), req.path);
    co_return error_response(Error::internal("unknown exception"), ctx.request_id);
  }
}

}  // namespace keel::http
