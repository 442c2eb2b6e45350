#include "core/password_hasher.hpp"

#include <crypt.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace keel {
namespace {

TEST(PasswordHasher, APasswordBcryptCantTakeWholeIsNeverHashedAndNeverMatches) {
  const std::string hash = bcrypt_hash("abcdefgh", 4);
  EXPECT_TRUE(bcrypt_verify("abcdefgh", hash));
  EXPECT_FALSE(bcrypt_verify(std::string("abcdefgh") + '\0' + "x", hash)) << "crypt would read only up to the NUL";
  EXPECT_FALSE(bcrypt_verify(std::string(72, 'a') + "b", bcrypt_hash(std::string(72, 'a'), 4)));
  EXPECT_THROW(bcrypt_hash(std::string("abc") + '\0' + "defgh", 4), std::invalid_argument);
  ErrorDetails details;
  check_password(std::string(8, '\0'), details);
  EXPECT_EQ(details["password"], "must not contain U+0000");
}

TEST(PasswordHasher, HashesVerifyOnlyTheirOwnPassword) {
  const std::string hash = bcrypt_hash("correct horse", 4);
  EXPECT_EQ(hash.rfind("$2b$04$", 0), 0u) << hash;
  EXPECT_TRUE(bcrypt_verify("correct horse", hash));
  EXPECT_FALSE(bcrypt_verify("correct horsE", hash));
  EXPECT_NE(bcrypt_hash("correct horse", 4), hash) << "every hash gets a fresh salt";
}

// Unknown accounts are checked against this hash so that they take as long as known ones:
// it must be a real bcrypt setting of the configured cost (crypt runs in full), never match.
TEST(PasswordHasher, TheUnmatchableHashCostsARealBcryptRunAndMatchesNothing) {
  for (const int cost : {4, 10, 12}) {
    const std::string dummy = unmatchable_bcrypt_hash(cost);
    const std::string prefix = cost < 10 ? "$2b$0" + std::to_string(cost) + "$" : "$2b$" + std::to_string(cost) + "$";
    EXPECT_EQ(dummy.rfind(prefix, 0), 0u) << dummy;
    EXPECT_EQ(dummy.size(), bcrypt_hash("x", 4).size()) << "same shape as a stored hash";
  }
  const std::string dummy = unmatchable_bcrypt_hash(4);
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn("", dummy.c_str(), data.get(), sizeof *data);
  ASSERT_NE(out, nullptr);
  EXPECT_NE(out[0], '*') << "crypt refused the setting, so it would answer at once";
  EXPECT_EQ(std::string(out).substr(0, 29), dummy.substr(0, 29)) << "same cost and salt";
  for (const char* password : {"", "keel", "keel-dummy-password-never-matches", "................"}) {
    EXPECT_FALSE(bcrypt_verify(password, dummy)) << password;
  }
}

}  // namespace
}  // namespace keel
