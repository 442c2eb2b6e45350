#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace keel {
namespace {

TEST(Ids, UuidV7HasVersionVariantAndLowercaseForm) {
  const std::regex form("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_uuid_v7();
    ASSERT_TRUE(std::regex_match(id, form)) << id;
    ASSERT_TRUE(is_uuid(id));
  }
}

TEST(Ids, UuidV7IsUniqueAndTimeOrderedAcrossMilliseconds) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(seen.insert(new_uuid_v7()).second);
  const auto now = std::chrono::system_clock::now();
  const std::string a = new_uuid_v7(now);
  const std::string b = new_uuid_v7(now + std::chrono::milliseconds(1));
  EXPECT_LT(a, b);
}

TEST(Ids, UuidV7EncodesTheCurrentTime) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  std::string id = new_uuid_v7();
  const std::string hex = id.substr(0, 8) + id.substr(9, 4);
  const long long ms = std::stoll(hex, nullptr, 16);
  EXPECT_LE(std::llabs(ms - now_ms), 1000);
}

TEST(Ids, IsUuidRejectsOtherShapes) {
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("0193F1C2-7A3B-7C4D-8E5F-0123456789AB"));  // uppercase
  EXPECT_FALSE(is_uuid("0193f1c27a3b7c4d8e5f0123456789ab"));
  EXPECT_FALSE(is_uuid("0193f1c2-7a3b-7c4d-8e5f-0123456789ag"));
  EXPECT_TRUE(is_uuid("0193f1c2-7a3b-7c4d-8e5f-0123456789ab"));
}

TEST(Ids, TimestampIsRfc3339UtcWithMilliseconds) {
  const SystemTime t{std::chrono::milliseconds(1795492523123)};
  EXPECT_EQ(format_timestamp(t), "2026-11-24T03:55:23.123Z");
  EXPECT_EQ(format_timestamp(SystemTime{}), "1970-01-01T00:00:00.000Z");
  const std::regex form(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
  EXPECT_TRUE(std::regex_match(now_timestamp(), form));
}

}  // namespace
}  // namespace keel
