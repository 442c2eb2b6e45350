// The mail keel sends (issue 18, API.md §11): headers, parts and header injection.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include <openssl/evp.h>

#include "mail/mail_message.hpp"

namespace keel::mail {
namespace {

std::string unbase64_lines(std::string text) {
  std::erase(text, '\r');
  std::erase(text, '\n');
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!text.empty() && text.back() == '=') {  // EVP_DecodeBlock keeps the padding's zero bytes
    text.pop_back();
    out.pop_back();
  }
  return out;
}

// The body of the part whose Content-Type starts with `type`, decoded.
std::string part(const std::string& message, const std::string& type) {
  const auto head = message.find("Content-Type: " + type);
  EXPECT_NE(head, std::string::npos) << type;
  const auto body = message.find("\r\n\r\n", head) + 4;
  const auto end = message.find("\r\n--", body);
  return unbase64_lines(message.substr(body, end - body + 2));
}

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1796500000));

TEST(MailMessage, HasTheHeadersAndBothPartsInUtf8) {
  const MailMessage m{"ada@example.com", "Verify your address", "Open https://app.example.com/verify-email?token=t",
                      "<p>Open <a href=\"https://app.example.com/verify-email?token=t\">this link</a></p>"};
  const std::string out = render(m, "Keel <noreply@example.com>", kNow, "01a24921-0000");
  EXPECT_EQ(out.find("From: Keel <noreply@example.com>\r\n"), 0u) << out;
  EXPECT_NE(out.find("\r\nTo: ada@example.com\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nSubject: Verify your address\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nDate: Sat, 05 Dec 2026 19:46:40 +0000\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\nMessage-ID: <01a24921-0000@example.com>\r\n"), std::string::npos);
  EXPECT_NE(out.find("multipart/alternative"), std::string::npos);
  EXPECT_EQ(part(out, "text/plain"), m.text);
  EXPECT_EQ(part(out, "text/html"), m.html);
  for (std::size_t at = 0; (at = out.find('\n', at)) != std::string::npos; ++at) {
    ASSERT_GT(at, 0u);
    ASSERT_EQ(out[at - 1], '\r') << "a bare LF at " << at;
  }
}

TEST(MailMessage, ANonAsciiSubjectIsEncodedAndLongLinesAreFolded) {
  const MailMessage m{"ada@example.com", "Réinitialisez votre mot de passe — c’est rapide, ça prend une minute",
                      std::string(300, 'x'), "<p>é</p>"};
  const std::string out = render(m, "noreply@example.com", kNow, "id");
  const auto subject = out.find("Subject: =?UTF-8?B?");
  ASSERT_NE(subject, std::string::npos) << out;
  EXPECT_EQ(part(out, "text/plain"), m.text);
  std::size_t line = 0;
  for (std::size_t at = 0; at < out.size(); ++at) {
    if (out[at] == '\n') {
      line = 0;
    } else {
      ASSERT_LE(++line, 78u) << "a line over 78 characters";
    }
  }
}

TEST(MailMessage, ALineBreakInAHeaderIsRefused) {
  EXPECT_THROW(render({"ada@example.com\r\nBcc: eve@example.com", "s", "t", "h"}, "a@example.com", kNow, "id"),
               std::invalid_argument);
  EXPECT_THROW(render({"ada@example.com", "s\nBcc: eve@example.com", "t", "h"}, "a@example.com", kNow, "id"),
               std::invalid_argument);
}

TEST(MailMessage, TheEnvelopeAddressOfAFromSetting) {
  EXPECT_EQ(address_of("Keel <noreply@example.com>"), "noreply@example.com");
  EXPECT_EQ(address_of("  noreply@example.com "), "noreply@example.com");
}

}  // namespace
}  // namespace keel::mail
