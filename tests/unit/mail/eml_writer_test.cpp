// Development mail without SMTP_URL (issue 18): one .eml file per message, readable by keel's user only.
#include "mail/eml_writer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "mail/smtp_sender.hpp"
#include "support/test_server.hpp"

namespace keel::mail {
namespace {

TEST(EmlWriter, EachMessageIsAFileOnlyItsOwnerMayRead) {
  test::TempDir dir;
  EmlWriter writer(dir.path() / "mail");
  writer.send("ada@example.com", "Subject: one\r\n\r\nfirst\r\n");
  writer.send("bob@example.com", "Subject: two\r\n\r\nsecond\r\n");

  struct stat folder{};
  ASSERT_EQ(::stat((dir.path() / "mail").c_str(), &folder), 0);
  EXPECT_EQ(folder.st_mode & 0777, 0700u);
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "mail")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 2u);  // no partial files left behind
  const std::string expected[] = {"Subject: one\r\n\r\nfirst\r\n", "Subject: two\r\n\r\nsecond\r\n"};
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(files[i].extension(), ".eml");
    struct stat st{};
    ASSERT_EQ(::stat(files[i].c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << files[i];
    std::ifstream in(files[i], std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), expected[i]);  // in the order sent: the names sort by time
  }
}

TEST(EmlWriter, AFolderThatCantBeMadeIsARetryableFailure) {
  test::TempDir dir;
  std::ofstream(dir.path() / "taken") << "a file, not a folder";
  EmlWriter writer(dir.path() / "taken" / "mail");
  try {
    writer.send("ada@example.com", "x");
    FAIL() << "wrote into a file";
  } catch (const SendFailed& e) {
    EXPECT_FALSE(e.permanent()) << e.what();
  }
}

}  // namespace
}  // namespace keel::mail
