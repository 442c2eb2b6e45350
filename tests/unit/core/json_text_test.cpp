#include "core/json_text.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace keel {
namespace {

std::string json_quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonText, EscapesWhatJsonRequires) {
  EXPECT_EQ(json_quoted("plain"), R"("plain")");
  EXPECT_EQ(json_quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quoted("line\nnext\ttab\x01"), R"("line\u000anext\u0009tab\u0001")");
  EXPECT_EQ(json_quoted("héllo ✓ 😀"), "\"héllo ✓ 😀\"");
}

TEST(JsonText, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(json_quoted("a\xff" "b"), "\"a\xef\xbf\xbd" "b\"");
  EXPECT_EQ(json_quoted("\xc3"), "\"\xef\xbf\xbd\"");             // truncated sequence
  EXPECT_EQ(json_quoted("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");  // overlong
  EXPECT_EQ(json_quoted("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // surrogate
}

TEST(JsonText, OutputAlwaysParsesBack) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const std::string text = json_quoted(all);
  boost::json::value v;
  ASSERT_NO_THROW(v = boost::json::parse(text)) << text;
  EXPECT_TRUE(v.is_string());
}

}  // namespace
}  // namespace keel
