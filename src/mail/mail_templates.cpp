#include "mail/mail_templates.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace keel::mail {
namespace {

constexpr std::array<std::string_view, 4> kPlaceholders = {"link", "name", "email", "expires"};
constexpr std::size_t kMaxTemplateBytes = 64 * 1024;

// The shipped mail: short, plain, one action each. The HTML is a single table-free block that
// reads well in clients that strip styles.
constexpr std::string_view kVerifySubject = "Verify your email address";
constexpr std::string_view kVerifyText = R"(Hello {{name}},

please confirm that {{email}} is your address by opening this link:

{{link}}

The link is valid for {{expires}}. If you did not ask for this, ignore this mail.
)";
constexpr std::string_view kVerifyHtml = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Verify your email address</title></head>
<body style="font-family: sans-serif; line-height: 1.5; max-width: 36em;">
<p>Hello {{name}},</p>
<p>please confirm that <strong>{{email}}</strong> is your address:</p>
<p><a href="{{link}}" style="display: inline-block; padding: 0.6em 1.2em; background: #1f5f8b; color: #fff; text-decoration: none; border-radius: 4px;">Verify my email address</a></p>
<p style="font-size: 0.9em; color: #555;">Or open this link: {{link}}<br>It is valid for {{expires}}. If you did not ask for this, ignore this mail.</p>
</body></html>
)";

constexpr std::string_view kResetSubject = "Reset your password";
constexpr std::string_view kResetText = R"(Hello {{name}},

someone (we hope you) asked to reset the password of the account {{email}}. To choose a new
password, open this link:

{{link}}

The link is valid for {{expires}} and works once. If you did not ask for this, ignore this mail:
your password stays as it is.
)";
constexpr std::string_view kResetHtml = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reset your password</title></head>
<body style="font-family: sans-serif; line-height: 1.5; max-width: 36em;">
<p>Hello {{name}},</p>
<p>someone (we hope you) asked to reset the password of the account <strong>{{email}}</strong>.</p>
<p><a href="{{link}}" style="display: inline-block; padding: 0.6em 1.2em; background: #1f5f8b; color: #fff; text-decoration: none; border-radius: 4px;">Choose a new password</a></p>
<p style="font-size: 0.9em; color: #555;">Or open this link: {{link}}<br>It is valid for {{expires}} and works once. If you did not ask for this, ignore this mail: your password stays as it is.</p>
</body></html>
)";

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Each {{name}} in `text`, checked against the known placeholders (a typo in an operator's
// template stops the start rather than mailing "{{lnik}}" to users).
void check_placeholders(std::string_view text, const std::string& file) {
  for (std::size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", at + 2)) {
    const auto end = text.find("}}", at + 2);
    if (end == std::string_view::npos) throw std::runtime_error(file + ": '{{' without '}}'");
    const std::string_view name = text.substr(at + 2, end - at - 2);
    bool known = false;
    for (const auto p : kPlaceholders) known = known || p == name;
    if (!known) {
      throw std::runtime_error(fmt::format("{}: unknown placeholder {{{{{}}}}} (known: link, name, email, expires)",
                                           file, name));
    }
  }
}

std::string fill(std::string_view text, const std::map<std::string, std::string>& values, bool html) {
  std::string out;
  out.reserve(text.size() + 256);
  std::size_t from = 0;
  for (std::size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", from)) {
    const auto end = text.find("}}", at + 2);
    if (end == std::string_view::npos) break;
    out.append(text.substr(from, at - from));
    const auto it = values.find(std::string(text.substr(at + 2, end - at - 2)));
    if (it != values.end()) out += html ? html_escape(it->second) : it->second;
    from = end + 2;
  }
  out.append(text.substr(from));
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.size() > kMaxTemplateBytes) throw std::runtime_error(path.string() + ": over 64 KiB");
  return s;
}

}  // namespace

MailTemplates::MailTemplates() {
  parts_.emplace("verify-email", Parts{std::string(kVerifySubject), std::string(kVerifyText), std::string(kVerifyHtml)});
  parts_.emplace("reset-password", Parts{std::string(kResetSubject), std::string(kResetText), std::string(kResetHtml)});
}

const std::vector<std::string>& MailTemplates::names() {
  static const std::vector<std::string> kNames = {"verify-email", "reset-password"};
  return kNames;
}

MailTemplates MailTemplates::load(const std::string& folder) {
  MailTemplates t;
  if (folder.empty()) return t;
  if (!std::filesystem::is_directory(folder)) throw std::runtime_error(folder + ": not a folder");
  for (auto& [name, parts] : t.parts_) {
    const std::pair<const char*, std::string*> files[] = {{".subject", &parts.subject}, {".txt", &parts.text}, {".html", &parts.html}};
    for (const auto& [suffix, part] : files) {
      const std::filesystem::path path = std::filesystem::path(folder) / (name + suffix);
      if (!std::filesystem::exists(path)) continue;
      std::string text = read_file(path);
      check_placeholders(text, path.string());
      if (std::string_view(suffix) == ".subject") {
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        if (text.find_first_of("\r\n") != std::string::npos) throw std::runtime_error(path.string() + ": more than one line");
      }
      *part = std::move(text);
    }
  }
  return t;
}

MailMessage MailTemplates::render(std::string_view name, std::string to, const std::map<std::string, std::string>& values) const {
  const auto it = parts_.find(name);
  if (it == parts_.end()) throw std::out_of_range(fmt::format("no mail template {}", name));
  std::string subject = fill(it->second.subject, values, false);
  std::erase_if(subject, [](char c) { return c == '\r' || c == '\n'; });  // a header stays one header
  return MailMessage{std::move(to), std::move(subject), fill(it->second.text, values, false),
                     fill(it->second.html, values, true)};
}

std::string describe_duration(std::int64_t seconds) {
  const auto plural = [](std::int64_t n, const char* unit) { return fmt::format("{} {}{}", n, unit, n == 1 ? "" : "s"); };
  if (seconds >= 86400 && seconds % 86400 == 0) return plural(seconds / 86400, "day") == "1 day" ? "24 hours" : plural(seconds / 86400, "day");
  if (seconds >= 3600 && seconds % 3600 == 0) return plural(seconds / 3600, "hour");
  if (seconds >= 60 && seconds % 60 == 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

}  // namespace keel::mail
