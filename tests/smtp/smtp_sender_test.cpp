// Mail through a real SMTP server (aiosmtpd, started by scripts/with-smtp.sh): issue 18.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mail/mail_message.hpp"
#include "mail/smtp_sender.hpp"

namespace keel::mail {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) ADD_FAILURE() << name << " is not set: run under scripts/with-smtp.sh (make test does)";
  return v ? v : "";
}

// Every message the server holds, as files' text.
std::vector<std::string> received() {
  std::vector<std::string> out;
  for (const auto& f : std::filesystem::directory_iterator(std::filesystem::path(env("KEEL_TEST_SMTP_DIR")) / "new")) {
    std::ifstream in(f.path());
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back(text.str());
  }
  return out;
}

std::size_t holding(const std::string& marker) {
  std::size_t n = 0;
  for (const auto& m : received()) n += m.find(marker) != std::string::npos;
  return n;
}

class Smtp : public ::testing::Test {
 protected:
  void TearDown() override { std::system((env("KEEL_TEST_SMTP_CTL") + " start >/dev/null").c_str()); }
  SmtpSender sender{env("KEEL_TEST_SMTP_URL"), "Keel <noreply@example.com>", std::chrono::seconds(5)};
};

TEST_F(Smtp, AMessageReachesTheServerWithItsRecipientAndParts) {
  const std::string id = "sent-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  const MailMessage m{"ada@example.com", "Verify your address", "text " + id, "<p>html</p>"};
  sender.send(m.to, render(m, "Keel <noreply@example.com>", std::chrono::system_clock::now(), id));
  ASSERT_EQ(holding(id), 1u);
  for (const auto& text : received()) {
    if (text.find(id) == std::string::npos) continue;
    EXPECT_NE(text.find("X-RcptTo: ada@example.com"), std::string::npos) << text;  // aiosmtpd notes the envelope
    EXPECT_NE(text.find("X-MailFrom: noreply@example.com"), std::string::npos) << text;
    EXPECT_NE(text.find("Subject: Verify your address"), std::string::npos) << text;
  }
}

TEST_F(Smtp, AServerThatIsDownIsARetryableFailure) {
  ASSERT_EQ(std::system((env("KEEL_TEST_SMTP_CTL") + " stop").c_str()), 0);
  const MailMessage m{"ada@example.com", "s", "t", "h"};
  try {
    sender.send(m.to, render(m, "noreply@example.com", std::chrono::system_clock::now(), "down"));
    FAIL() << "sent while the server was down";
  } catch (const SendFailed& e) {
    EXPECT_FALSE(e.permanent()) << e.what();
  }
  ASSERT_EQ(std::system((env("KEEL_TEST_SMTP_CTL") + " start").c_str()), 0);
  const std::string id = "after-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  sender.send(m.to, render({m.to, "s", id, "h"}, "noreply@example.com", std::chrono::system_clock::now(), id));
  EXPECT_EQ(holding(id), 1u);
}

TEST_F(Smtp, ThePasswordOfTheUrlIsNotInWhatIsLogged) {
  const SmtpSender with_login("smtp://keel:s3cret@127.0.0.1:25", "noreply@example.com");
  EXPECT_EQ(with_login.where(), "smtp://keel@127.0.0.1:25");
}

}  // namespace
}  // namespace keel::mail
