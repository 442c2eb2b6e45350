#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "mail/mail_transport.hpp"

namespace keel::mail {

/// A send that did not happen; `permanent` when trying again cannot help (the server refused the
/// recipient or the message for good: SMTP 5xx), else it is worth a retry (connection, timeout, 4xx).
class SendFailed : public std::runtime_error {
 public:
  SendFailed(const std::string& what, bool permanent) : std::runtime_error(what), permanent_(permanent) {}
  bool permanent() const noexcept { return permanent_; }

 private:
  bool permanent_;
};

/// Sends rendered messages through SMTP_URL with libcurl: `smtp://` upgrades with STARTTLS when the
/// server offers it, `smtps://` is TLS from the start, `user:password@` in the URL logs in.
/// Blocking: call it from a thread that may wait (never an I/O thread).
class SmtpSender final : public MailTransport {
 public:
  SmtpSender(std::string url, std::string from, std::chrono::seconds timeout = std::chrono::seconds(30));

  /// Hands `message` (as mail_message.hpp renders it) to the server for `to`; throws SendFailed.
  void send(const std::string& to, const std::string& message) override;

  /// The URL without its password, for logs.
  std::string where() const override;

 private:
  std::string url_;
  std::string envelope_from_;
  std::chrono::seconds timeout_;
};

}  // namespace keel::mail
