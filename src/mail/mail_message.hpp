#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace keel::mail {

/// One mail to one address (API.md §11): a text part and an HTML part saying the same.
struct MailMessage {
  std::string to;       // an address keel checked (users::normalise_email)
  std::string subject;  // UTF-8
  std::string text;     // UTF-8
  std::string html;     // UTF-8
};

/// The address part of a From setting: `Keel <noreply@example.com>` → noreply@example.com.
std::string address_of(std::string_view mailbox);

/// The message as sent (RFC 5322 with MIME, CRLF line ends): From, To, Subject (RFC 2047 when not
/// ASCII), Date, Message-ID (at the From address's domain), and a multipart/alternative body whose
/// two parts are base64 UTF-8. Throws std::invalid_argument when `to`, `subject` or `from` hold a
/// CR or LF (a header injection).
std::string render(const MailMessage& m, std::string_view from, std::chrono::system_clock::time_point now,
                   std::string_view message_id);

}  // namespace keel::mail
