#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mail/mail_message.hpp"

namespace keel::mail {

/// The mail keel sends (API.md §11), each a subject, a text part and an HTML part with
/// `{{placeholders}}`: `verify-email` and `reset-password`, with {{link}}, {{name}}, {{email}} and
/// {{expires}} ("24 hours"). keel ships defaults; an operator's folder (MAIL_TEMPLATES) overrides
/// any of `<name>.subject`, `<name>.txt`, `<name>.html` (docs/account-email.md).
class MailTemplates {
 public:
  /// The shipped templates.
  MailTemplates();
  /// The shipped templates, each part replaced by its file in `folder` where there is one (an
  /// empty folder name: none). Throws std::runtime_error naming the file for one that can't be
  /// read, is over 64 KiB or names a placeholder that does not exist.
  static MailTemplates load(const std::string& folder);

  /// Mail `name` to `to`: placeholders replaced by `values` (HTML-escaped in the HTML part;
  /// line breaks dropped from the subject). Throws std::out_of_range for an unknown name.
  MailMessage render(std::string_view name, std::string to, const std::map<std::string, std::string>& values) const;

  /// The names of the mails and of the placeholders they know.
  static const std::vector<std::string>& names();

 private:
  struct Parts {
    std::string subject, text, html;
  };
  std::map<std::string, Parts, std::less<>> parts_;
};

/// "24 hours", "1 hour", "30 minutes", "1 minute": how long a link stays valid, for the mail.
std::string describe_duration(std::int64_t seconds);

}  // namespace keel::mail
