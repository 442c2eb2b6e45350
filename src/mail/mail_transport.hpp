#pragma once

#include <string>

namespace keel::mail {

/// Where rendered mail goes: an SMTP server (SmtpSender) or, in development, files (EmlWriter).
/// Blocking: called from the courier's own thread, never an I/O thread.
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  /// Hands `message` (as mail_message.hpp renders it) over for `to`; throws SendFailed.
  virtual void send(const std::string& to, const std::string& message) = 0;
  /// Where mail goes, for logs (never a password).
  virtual std::string where() const = 0;
};

}  // namespace keel::mail
