#include "http/json_body.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace keel::http {
namespace {

Request json_request(std::string body, std::string type = "application/json") {
  Request r;
  r.method = Method::post;
  r.body = std::move(body);
  if (!type.empty()) r.headers.set("Content-Type", std::move(type));
  return r;
}

ErrorCode parse_error(const Request& r) {
  try {
    parse_json_body(r);
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "parsed without error";
  return ErrorCode::kInternal;
}

TEST(JsonBody, AcceptsJsonContentTypesWithParameters) {
  EXPECT_TRUE(is_json_content_type("application/json"));
  EXPECT_TRUE(is_json_content_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_json_content_type("application/json;charset=\"UTF-8\""));
  EXPECT_FALSE(is_json_content_type("application/json; charset=latin1"));
  EXPECT_FALSE(is_json_content_type("text/plain"));
  EXPECT_FALSE(is_json_content_type("application/jsonx"));
  EXPECT_FALSE(is_json_content_type(""));
}

TEST(JsonBody, ParsesAnObject) {
  auto v = parse_json_body(json_request(R"({"name":"Ada","n":[1,2]})"));
  ASSERT_TRUE(v && v->is_object());
  EXPECT_EQ(v->as_object().at("name").as_string(), "Ada");
}

TEST(JsonBody, NoBodyIsNoValue) {
  Request r;
  r.method = Method::post;
  EXPECT_FALSE(parse_json_body(r).has_value());
  EXPECT_FALSE(parse_json_body(json_request("")).has_value());
}

TEST(JsonBody, OtherContentTypesAre415) {
  EXPECT_EQ(parse_error(json_request("{}", "text/plain")), ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(parse_error(json_request("{}", "")), ErrorCode::kUnsupportedMediaType);
}

TEST(JsonBody, MalformedJsonIsInvalidJson) {
  for (const char* bad : {"{", "{\"a\":}", "nul", "{\"a\":1}}", "{'a':1}", "{\"a\":1,}"}) {
    EXPECT_EQ(parse_error(json_request(bad)), ErrorCode::kInvalidJson) << bad;
  }
}

TEST(JsonBody, NonObjectsAreInvalidJson) {
  for (const char* bad : {"[]", "1", "\"x\"", "null", "true"}) {
    EXPECT_EQ(parse_error(json_request(bad)), ErrorCode::kInvalidJson) << bad;
  }
}

TEST(JsonBody, InvalidUtf8IsInvalidJson) {
  EXPECT_EQ(parse_error(json_request("{\"a\":\"\xff\xfe\"}")), ErrorCode::kInvalidJson);
  EXPECT_EQ(parse_error(json_request("{\"a\":\"\xc3\"}")), ErrorCode::kInvalidJson);
}

TEST(JsonBody, DeepNestingIsRefusedNotACrash) {
  std::string deep = "{\"a\":";
  for (int i = 0; i < 100000; ++i) deep += "[";
  EXPECT_EQ(parse_error(json_request(deep)), ErrorCode::kInvalidJson);
  std::string ok = "{\"a\":";
  for (unsigned i = 0; i < kMaxJsonDepth - 2; ++i) ok += "[";
  for (unsigned i = 0; i < kMaxJsonDepth - 2; ++i) ok += "]";
  ok += "}";
  EXPECT_TRUE(parse_json_body(json_request(ok)).has_value());
}

}  // namespace
}  // namespace keel::http
