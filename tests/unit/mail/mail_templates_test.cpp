// The mail templates (issue 18): shipped defaults, an operator's folder replacing them part by part,
// and the mistakes in that folder that stop the start.
#include "mail/mail_templates.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "support/test_server.hpp"

namespace keel::mail {
namespace {

const std::map<std::string, std::string> kValues = {
    {"link", "https://app.example.com/verify-email?token=abc"},
    {"name", "Ada <script>\"&'"},
    {"email", "ada@example.com"},
    {"expires", "24 hours"}};

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string error_of(const std::string& folder) {
  try {
    MailTemplates::load(folder);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded without error";
  return {};
}

TEST(MailTemplates, TheShippedMailsCarryTheLinkInBothPartsAndEscapeValuesInHtml) {
  const MailTemplates t;
  const MailMessage m = t.render("verify-email", "ada@example.com", kValues);
  EXPECT_EQ(m.to, "ada@example.com");
  EXPECT_EQ(m.subject, "Verify your email address");
  EXPECT_NE(m.text.find("https://app.example.com/verify-email?token=abc"), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("Hello Ada <script>\"&'"), std::string::npos) << m.text;  // text is text
  EXPECT_NE(m.html.find("href=\"https://app.example.com/verify-email?token=abc\""), std::string::npos) << m.html;
  EXPECT_NE(m.html.find("Ada &lt;script&gt;&quot;&amp;&#39;"), std::string::npos) << m.html;
  EXPECT_EQ(m.html.find("<script>"), std::string::npos);
  EXPECT_NE(m.text.find("24 hours"), std::string::npos);
  EXPECT_EQ(t.render("reset-password", "ada@example.com", kValues).subject, "Reset your password");
  EXPECT_THROW(t.render("welcome", "ada@example.com", kValues), std::out_of_range);
}

TEST(MailTemplates, AFolderReplacesThePartsItHoldsAndKeepsTheOthers) {
  test::TempDir dir;
  write(dir.path() / "verify-email.subject", "Confirm {{email}} for Acme\n");
  write(dir.path() / "verify-email.txt", "Go to {{link}} within {{expires}}.");
  const MailTemplates t = MailTemplates::load(dir.path().string());
  const MailMessage m = t.render("verify-email", "ada@example.com", kValues);
  EXPECT_EQ(m.subject, "Confirm ada@example.com for Acme");
  EXPECT_EQ(m.text, "Go to https://app.example.com/verify-email?token=abc within 24 hours.");
  EXPECT_NE(m.html.find("Verify my email address"), std::string::npos);  // the shipped HTML part
  EXPECT_EQ(t.render("reset-password", "ada@example.com", kValues).subject, "Reset your password");
}

TEST(MailTemplates, MistakesInTheFolderStopTheStartNamingTheFile) {
  test::TempDir dir;
  write(dir.path() / "reset-password.html", "<a href=\"{{lnik}}\">reset</a>");
  std::string why = error_of(dir.path().string());
  EXPECT_NE(why.find("reset-password.html"), std::string::npos) << why;
  EXPECT_NE(why.find("{{lnik}}"), std::string::npos) << why;

  test::TempDir two_lines;
  write(two_lines.path() / "verify-email.subject", "Hello\nBcc: everyone@example.com");
  why = error_of(two_lines.path().string());
  EXPECT_NE(why.find("verify-email.subject"), std::string::npos) << why;

  EXPECT_NE(error_of((dir.path() / "missing").string()).find("not a folder"), std::string::npos);
}

TEST(MailTemplates, ALineBreakInAValueNeverSplitsTheSubject) {
  test::TempDir dir;
  write(dir.path() / "verify-email.subject", "Welcome {{name}}");
  const MailTemplates t = MailTemplates::load(dir.path().string());
  auto values = kValues;
  values["name"] = "Ada\r\nBcc: everyone@example.com";
  EXPECT_EQ(t.render("verify-email", "ada@example.com", values).subject, "Welcome AdaBcc: everyone@example.com");
}

TEST(MailTemplates, DurationsReadAsAPersonWouldSayThem) {
  EXPECT_EQ(describe_duration(86400), "24 hours");
  EXPECT_EQ(describe_duration(2 * 86400), "2 days");
  EXPECT_EQ(describe_duration(3600), "1 hour");
  EXPECT_EQ(describe_duration(7200), "2 hours");
  EXPECT_EQ(describe_duration(1800), "30 minutes");
  EXPECT_EQ(describe_duration(61), "61 seconds");
}

}  // namespace
}  // namespace keel::mail
