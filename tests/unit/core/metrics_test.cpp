#include "core/metrics.hpp"

#include <gtest/gtest.h>

namespace keel {
namespace {

TEST(Metrics, ListsEveryFamilyWithTypeBeforeAnyObservation) {
  Metrics m;
  m.counter("c_total", "a counter", {"route"});
  m.counter("plain_total", "an unlabelled counter");
  m.gauge("g", "a gauge");
  m.histogram("h_seconds", "a histogram", {});
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE c_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE plain_total counter\nplain_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE g gauge\ng 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE h_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("h_seconds_bucket{le=\"+Inf\"} 0"), std::string::npos);
  EXPECT_NE(text.find("h_seconds_count 0"), std::string::npos);
}

TEST(Metrics, CountsByLabelsAndEscapesValues) {
  Metrics m;
  auto& c = m.counter("req_total", "requests", {"route", "status"});
  c.inc({"/a", "200"});
  c.inc({"/a", "200"});
  c.inc({"/b\"x", "404"});
  EXPECT_EQ(c.value({"/a", "200"}), 2);
  EXPECT_EQ(c.value({"/zzz", "200"}), 0);
  const std::string text = m.render();
  EXPECT_NE(text.find("req_total{route=\"/a\",status=\"200\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("req_total{route=\"/b\\\"x\",status=\"404\"} 1"), std::string::npos) << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics m;
  auto& h = m.histogram("lat_seconds", "latency", {"route"}, {0.1, 1.0});
  h.observe({"/x"}, 0.05);
  h.observe({"/x"}, 0.5);
  h.observe({"/x"}, 5.0);
  EXPECT_EQ(h.count({"/x"}), 3u);
  const std::string text = m.render();
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/x\",le=\"0.1\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/x\",le=\"1\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count{route=\"/x\"} 3"), std::string::npos) << text;
}

TEST(Metrics, GaugeGoesUpAndDown) {
  Metrics m;
  auto& g = m.gauge("open", "open things");
  g.add(3);
  g.add(-1);
  EXPECT_EQ(g.value(), 2);
  EXPECT_NE(m.render().find("open 2\n"), std::string::npos);
}

}  // namespace
}  // namespace keel
