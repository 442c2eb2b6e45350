#include "http/http_metrics.hpp"

#include <gtest/gtest.h>

namespace keel::http {
namespace {

TEST(HttpMetrics, MethodsKeelDoesNotRouteShareOneSeries) {
  Metrics metrics;
  HttpMetrics http(metrics);
  for (std::string_view method : {"GET", "DELETE", "TRACE", "BREW", "get"}) {
    http.record({.method = method, .path = "/x", .route = "/x", .status = 405});
  }
  const std::string text = metrics.render();
  EXPECT_NE(text.find(R"(keel_http_requests_total{route="/x",method="GET",status="405"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(keel_http_requests_total{route="/x",method="DELETE",status="405"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(keel_http_requests_total{route="/x",method="OTHER",status="405"} 3)"), std::string::npos);
  EXPECT_EQ(text.find("TRACE"), std::string::npos);
}

}  // namespace
}  // namespace keel::http
