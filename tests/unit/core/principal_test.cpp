#include "core/principal.hpp"

#include <gtest/gtest.h>

#include "support/error_code_of.hpp"

namespace keel {
namespace {

using test::error_code_of;

TEST(Caller, AnonymousIsRefusedWhereACallerIsRequiredAndNobodyWhereOptional) {
  const Caller anonymous;
  EXPECT_EQ(error_code_of([&] { anonymous.require(); }), ErrorCode::kUnauthorized);
  EXPECT_EQ(anonymous.optional(), std::nullopt);
  EXPECT_EQ(anonymous.user_id(), "");
}

TEST(Caller, ARefusedTokenIsNeverAnonymous) {
  const Caller expired = Caller::refused(ErrorCode::kTokenExpired);
  EXPECT_EQ(error_code_of([&] { expired.require(); }), ErrorCode::kTokenExpired);
  EXPECT_EQ(error_code_of([&] { expired.optional(); }), ErrorCode::kTokenExpired) << "a public route still says why";
  const Caller bad = Caller::refused(ErrorCode::kUnauthorized);
  EXPECT_EQ(error_code_of([&] { bad.optional(); }), ErrorCode::kUnauthorized);
}

TEST(Caller, ASignedInCallerIsItsPrincipal) {
  const Caller c = Caller::signed_in({"u1", "admin", "s1"});
  EXPECT_EQ(c.require().user_id, "u1");
  EXPECT_TRUE(c.require().is_admin());
  ASSERT_TRUE(c.optional().has_value());
  EXPECT_EQ(c.optional()->session_id, "s1");
  EXPECT_EQ(c.user_id(), "u1");
}

}  // namespace
}  // namespace keel
