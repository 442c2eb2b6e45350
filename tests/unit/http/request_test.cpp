#include "http/request.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "http/headers.hpp"
#include "http/request_id.hpp"

namespace keel::http {
namespace {

TEST(QueryParams, DecodesInOrder) {
  auto q = QueryParams::parse("status=todo&sort=-priority,createdAt&title%5Bcontains%5D=a%20b&flag");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q.get("status").value_or(""), "todo");
  EXPECT_EQ(q.get("sort").value_or(""), "-priority,createdAt");
  EXPECT_EQ(q.get("title[contains]").value_or(""), "a b");
  EXPECT_EQ(q.get("flag").value_or("x"), "");
  EXPECT_FALSE(q.get("missing").has_value());
}

TEST(QueryParams, BadPercentEncodingIsAValidationError) {
  for (const char* bad : {"a=%zz", "a=%2", "%g0=1"}) {
    try {
      QueryParams::parse(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kValidation) << bad;
      EXPECT_EQ(e.details().count("query"), 1u);
    }
  }
}

TEST(RequestHeaders, AreCaseInsensitive) {
  RequestHeaders h;
  h.set("Content-Type", "a");
  EXPECT_EQ(h.get("content-type").value_or(""), "a");
  h.set("CONTENT-TYPE", "b");
  EXPECT_EQ(h.get("Content-Type").value_or(""), "b");
  EXPECT_FALSE(h.has("Accept"));
  RequestHeaders copy = h;
  RequestHeaders moved = std::move(h);
  EXPECT_EQ(copy.get("content-type").value_or(""), "b");
  EXPECT_EQ(moved.get("content-type").value_or(""), "b");
}

TEST(Headers, AreCaseInsensitive) {
  Headers h;
  h.add("Content-Type", "a");
  EXPECT_EQ(h.get("content-type").value_or(""), "a");
  h.set("CONTENT-TYPE", "b");
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.get("Content-Type").value_or(""), "b");
  h.erase("content-TYPE");
  EXPECT_FALSE(h.has("Content-Type"));
}

TEST(RequestId, EchoesValidIdsAndReplacesOthers) {
  EXPECT_EQ(request_id_for(std::string_view("abc-123_X.y")), "abc-123_X.y");
  EXPECT_EQ(request_id_for(std::string(128, 'a')), std::string(128, 'a'));
  for (std::string bad : {std::string(), std::string(129, 'a'), std::string("has space"), std::string("a/b"),
                          std::string("ü")}) {
    const std::string id = request_id_for(std::string_view(bad));
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 36u);
  }
  EXPECT_EQ(request_id_for(std::nullopt).size(), 36u);
}

}  // namespace
}  // namespace keel::http
