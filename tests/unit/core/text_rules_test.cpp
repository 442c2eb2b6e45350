#include "core/text_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace keel {
namespace {

TEST(TextRules, ValidUtf8AcceptsWellFormedTextOnly) {
  const std::vector<std::string> good = {"",   "plain", "\xC3\xA4", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                         std::string("a\0b", 3)};
  for (const auto& s : good) EXPECT_TRUE(valid_utf8(s)) << s;
  // Stray continuation, cut short, overlong, a surrogate, past U+10FFFF, a 5-byte form.
  const std::vector<std::string> bad = {"\xFF",         "\x80",         "\xC3",           "a\xE2\x82",
                                        "\xC0\xAF",     "\xE0\x80\xAF", "\xED\xA0\x80",   "\xF4\x90\x80\x80",
                                        "\xF8\x88\x80\x80\x80"};
  for (const auto& s : bad) EXPECT_FALSE(valid_utf8(s)) << s;
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80z"), 4u);
  EXPECT_EQ(utf8_sequence_length(""), 0u);
}

TEST(TextRules, ANameWithU0000IsRefused) {
  ErrorDetails details;
  EXPECT_EQ(check_name(" Ada ", details), "Ada");
  EXPECT_TRUE(details.empty());
  check_name(std::string("Ad\0a", 4), details);
  EXPECT_EQ(details["name"], "must not contain U+0000");
}

}  // namespace
}  // namespace keel
