#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/http_client.hpp"

namespace keel::test {

/// Checks `res` is an API.md §2 error: the status, the JSON shape, the code, and a
/// requestId equal to the X-Request-Id header.
inline void expect_error(const HttpResponse& res, int status, const std::string& code) {
  EXPECT_EQ(res.status, status) << res.body;
  ASSERT_TRUE(res.has_header("X-Request-Id"));
  EXPECT_EQ(res.header("Content-Type"), "application/json; charset=utf-8");
  boost::json::value body;
  ASSERT_NO_THROW(body = res.json()) << res.body;
  ASSERT_TRUE(body.is_object());
  const auto* error = body.as_object().if_contains("error");
  ASSERT_TRUE(error && error->is_object()) << res.body;
  const auto& e = error->as_object();
  ASSERT_TRUE(e.contains("code") && e.contains("message") && e.contains("requestId")) << res.body;
  EXPECT_EQ(e.at("code").as_string(), code) << res.body;
  EXPECT_FALSE(e.at("message").as_string().empty());
  EXPECT_EQ(e.at("requestId").as_string(), res.header("X-Request-Id"));
}

}  // namespace keel::test
