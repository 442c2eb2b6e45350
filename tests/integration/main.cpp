// The integration suite runs on SQLite, and on PostgreSQL with KEEL_TEST_BACKEND=postgres
// (make test does both). Without a server to run on, every test is skipped, saying why.
#include <gtest/gtest.h>

#include "support/test_database.hpp"

namespace {

class BackendEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (keel::test::test_backend() == "postgres" && keel::test::postgres_test_url().empty()) {
      GTEST_SKIP() << "KEEL_TEST_BACKEND=postgres needs KEEL_TEST_POSTGRES_URL "
                      "(make test starts a server and sets it)";
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new BackendEnvironment);
  return RUN_ALL_TESTS();
}
