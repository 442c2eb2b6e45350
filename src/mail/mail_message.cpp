#include "mail/mail_message.hpp"

#include <ctime>
#include <stdexcept>

#include <openssl/evp.h>

namespace keel::mail {
namespace {

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Base64 in lines of 76 characters (RFC 2045).
std::string base64_lines(std::string_view bytes) {
  const std::string flat = base64(bytes);
  std::string out;
  out.reserve(flat.size() + flat.size() / 76 * 2 + 2);
  for (std::size_t at = 0; at < flat.size(); at += 76) {
    out.append(flat, at, 76);
    out += "\r\n";
  }
  return out;
}

bool ascii_printable(std::string_view s) {
  for (const unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

void refuse_line_breaks(std::string_view what, std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    throw std::invalid_argument(std::string(what) + " must not contain a line break");
  }
}

// A header value as RFC 2047 encoded-words when it is not plain ASCII, in chunks that stay whole
// UTF-8 characters (each word at most 39 bytes before encoding: 52 after, so the Subject line stays
// under 78 characters with its markup).
std::string header_text(std::string_view value) {
  if (ascii_printable(value)) return std::string(value);
  std::string out;
  std::size_t at = 0;
  while (at < value.size()) {
    std::size_t end = std::min(value.size(), at + 39);
    while (end < value.size() && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;  // not mid-character
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(value.substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

std::string rfc5322_date(std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return std::string(buf, n);
}

}  // namespace

std::string address_of(std::string_view mailbox) {
  const auto open = mailbox.rfind('<');
  const auto close = mailbox.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(mailbox.substr(open + 1, close - open - 1));
  }
  const auto first = mailbox.find_first_not_of(' ');
  const auto last = mailbox.find_last_not_of(' ');
  return first == std::string_view::npos ? std::string() : std::string(mailbox.substr(first, last - first + 1));
}

std::string render(const MailMessage& m, std::string_view from, std::chrono::system_clock::time_point now,
                   std::string_view message_id) {
  refuse_line_breaks("to", m.to);
  refuse_line_breaks("subject", m.subject);
  refuse_line_breaks("from", from);
  refuse_line_breaks("message id", message_id);
  const std::string sender = address_of(from);
  const std::string domain = sender.substr(sender.find('@') == std::string::npos ? sender.size() : sender.find('@') + 1);
  const std::string boundary = "=_keel_" + std::string(message_id);

  std::string out;
  out.reserve(1024 + m.text.size() * 2 + m.html.size() * 2);
  out += "From: " + std::string(from) + "\r\n";
  out += "To: " + m.to + "\r\n";
  out += "Subject: " + header_text(m.subject) + "\r\n";
  out += "Date: " + rfc5322_date(now) + "\r\n";
  out += "Message-ID: <" + std::string(message_id) + "@" + (domain.empty() ? "keel.invalid" : domain) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  out += "\r\n";
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(m.text);
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(m.html);
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace keel::mail
