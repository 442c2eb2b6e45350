#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "core/async.hpp"
#include "http/context.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace keel::http {

class Pipeline;

/// The rest of the chain after a middleware; call it at most once.
class Next {
 public:
  Task<Response> operator()(Request& req, Context& ctx) const;

 private:
  friend class Pipeline;
  Next(const Pipeline* pipeline, std::size_t index) : pipeline_(pipeline), index_(index) {}
  const Pipeline* pipeline_;
  std::size_t index_;
};

/// Middleware: does work around `co_await next(req, ctx)`.
using Middleware = std::function<Task<Response>(Request&, Context&, Next)>;

/// Middleware in the order added (first added runs outermost), ending in the router.
class Pipeline {
 public:
  explicit Pipeline(const Router& router) : router_(router) {}
  void use(Middleware m) { middleware_.push_back(std::move(m)); }
  /// Runs the request through every middleware and the router.
  Task<Response> run(Request& req, Context& ctx) const { return Next(this, 0)(req, ctx); }

 private:
  friend class Next;
  const Router& router_;
  std::vector<Middleware> middleware_;
};

inline Task<Response> Next::operator()(Request& req, Context& ctx) const {
  if (index_ < pipeline_->middleware_.size()) {
    return pipeline_->middleware_[index_](req, ctx, Next(pipeline_, index_ + 1));
  }
  return pipeline_->router_.dispatch(req, ctx);
}

}  // namespace keel::http
