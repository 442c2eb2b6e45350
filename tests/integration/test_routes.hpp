#pragma once

#include <chrono>
#include <stdexcept>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "app/app.hpp"
#include "http/json_body.hpp"

namespace keel::test {

/// Test-only routes that exercise the edge machinery no production route reaches yet:
///   POST /api/echo     -> 201 with the parsed JSON body
///   GET  /api/boom     -> throws an exception full of internals (must not leak)
///   GET  /api/slow?ms= -> answers after a delay (for in-flight and stall tests)
inline void add_test_routes(app::App& app) {
  auto& r = app.router();
  r.add(http::Method::post, "/api/echo", [](http::Request& req, http::Context&) -> Task<http::Response> {
    co_return http::Response::json(201, http::require_json_object(req));
  });
  r.add(http::Method::get, "/api/boom", [](http::Request&, http::Context&) -> Task<http::Response> {
    throw std::runtime_error("SELECT password_hash FROM users WHERE 1; at /srv/keel/src/secret.cpp:42");
    co_return http::Response::empty(204);
  });
  r.add(http::Method::get, "/api/slow", [](http::Request& req, http::Context&) -> Task<http::Response> {
    const int ms = std::stoi(std::string(req.query.get("ms").value_or("300")));
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(std::chrono::milliseconds(ms));
    co_await timer.async_wait(boost::asio::use_awaitable);
    co_return http::Response::json_text(200, R"({"slept":true})");
  });
}

}  // namespace keel::test
