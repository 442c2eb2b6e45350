#pragma once

#include <filesystem>
#include <string>

#include "mail/mail_transport.hpp"

namespace keel::mail {

/// Development mail without SMTP_URL (API.md §11): each message becomes one `.eml` file in
/// `folder` (made 0700 when missing), readable only by keel's user (0600), named by time so they
/// list in order. Each file is written whole under a temporary name, then renamed into place.
class EmlWriter final : public MailTransport {
 public:
  explicit EmlWriter(std::filesystem::path folder);

  /// Writes the message; throws SendFailed (retryable) when the file can't be written.
  void send(const std::string& to, const std::string& message) override;
  /// The folder.
  std::string where() const override;

 private:
  std::filesystem::path folder_;
  unsigned counter_ = 0;
};

}  // namespace keel::mail
