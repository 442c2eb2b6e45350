#include "core/crypto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace keel {
namespace {

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// RFC 4231, test cases 1, 2 and 6 (a key longer than the block size).
TEST(HmacSha256, MatchesTheRfc4231Vectors) {
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// Each thread keeps contexts for the keys it used: the same key again, many keys in turn, and
// other threads all give the same MACs.
TEST(HmacSha256, KeysUsedAgainAndOnOtherThreadsGiveTheSameMac) {
  const std::string expected = hmac_sha256("Jefe", "what do ya want for nothing?");
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 20; ++k) {
      const std::string key = "key " + std::to_string(k);
      EXPECT_EQ(hmac_sha256(key, "data"), hmac_sha256(key, "data"));
      EXPECT_NE(hmac_sha256(key, "data"), hmac_sha256(key, "other data"));
    }
    EXPECT_EQ(hmac_sha256("Jefe", "what do ya want for nothing?"), expected);
  }
  std::string on_other_thread;
  std::thread([&] { on_other_thread = hmac_sha256("Jefe", "what do ya want for nothing?"); }).join();
  EXPECT_EQ(on_other_thread, expected);
  EXPECT_EQ(hmac_sha256("", "").size(), 32u);
}

}  // namespace
}  // namespace keel
