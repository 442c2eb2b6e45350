#include "support/maildir.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>
#include <utility>

namespace keel::test {
namespace {

namespace fs = std::filesystem;

std::string env_or_fail(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: run under scripts/with-smtp.sh (make test does)";
    return {};
  }
  return v;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\n");
  return std::string(s.substr(first, last - first + 1));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Quoted-printable (RFC 2045 §6.7), or with `underscore_is_space` the Q encoding of RFC 2047.
std::string qp_decode(std::string_view text, bool underscore_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_' && underscore_is_space) {
      out += ' ';
    } else if (c == '=' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;  // a soft line break
    } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// A header block, unfolded (RFC 5322 §2.2.3: a line starting with whitespace continues the last).
using Headers = std::vector<std::pair<std::string, std::string>>;  // lower-case name, value

// Splits "headers\n\nbody" (LF line ends); headers unfolded.
std::pair<Headers, std::string> split_entity(std::string_view entity) {
  Headers headers;
  std::size_t at = 0;
  while (at < entity.size()) {
    std::size_t end = entity.find('\n', at);
    if (end == std::string_view::npos) end = entity.size();
    const std::string_view line = entity.substr(at, end - at);
    at = end + 1;
    if (line.empty()) return {std::move(headers), at <= entity.size() ? std::string(entity.substr(at)) : ""};
    if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
      headers.back().second += line;  // keeps the folding whitespace, drops the line break
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // not a header (e.g. an mbox "From " line)
    headers.emplace_back(lower(trim(line.substr(0, colon))), std::string(line.substr(colon + 1)));
  }
  return {std::move(headers), ""};
}

std::string header(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return trim(v);
  }
  return {};
}

// The value of parameter `name` of a header like Content-Type (quoted or not), or "".
std::string parameter(const std::string& value, std::string_view name) {
  const std::string low = lower(value);
  const std::string key = lower(name) + "=";
  std::size_t at = 0;
  while ((at = low.find(key, at)) != std::string::npos) {
    const bool starts_word = at == 0 || low[at - 1] == ';' || low[at - 1] == ' ' || low[at - 1] == '\t';
    if (!starts_word) {
      at += key.size();
      continue;
    }
    std::size_t begin = at + key.size();
    if (begin < value.size() && value[begin] == '"') {
      const auto close = value.find('"', begin + 1);
      return value.substr(begin + 1, (close == std::string::npos ? value.size() : close) - begin - 1);
    }
    const auto end = value.find_first_of("; \t", begin);
    return value.substr(begin, (end == std::string::npos ? value.size() : end) - begin);
  }
  return {};
}

// Fills mail.text / mail.html from one MIME entity, descending into multiparts.
void collect_parts(const Headers& headers, const std::string& body, ReceivedMail& mail, int depth = 0) {
  const std::string type = header(headers, "content-type");
  const std::string media = lower(trim(type.substr(0, type.find(';'))));
  if (media.rfind("multipart/", 0) == 0 && depth < 5) {
    const std::string boundary = parameter(type, "boundary");
    if (boundary.empty()) return;
    const std::string delimiter = "--" + boundary;
    std::vector<std::string> parts;
    bool inside = false;
    std::string current;
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);) {
      const std::string bare = line.substr(0, line.find_last_not_of(" \t") + 1);
      if (bare == delimiter || bare == delimiter + "--") {
        if (inside) parts.push_back(std::move(current));
        current.clear();
        inside = bare == delimiter;
        if (!inside) break;
        continue;
      }
      if (inside) current += line + "\n";
    }
    for (const std::string& part : parts) {
      const auto [part_headers, part_body] = split_entity(part);
      collect_parts(part_headers, part_body, mail, depth + 1);
    }
    return;
  }
  const std::string encoding = lower(header(headers, "content-transfer-encoding"));
  std::string decoded = encoding == "base64"             ? maildir_detail::base64_decode(body)
                        : encoding == "quoted-printable" ? qp_decode(body, false)
                                                         : body;
  if (media == "text/html") {
    mail.html += decoded;
  } else if (media.empty() || media == "text/plain") {
    mail.text += decoded;
  }
}

// The order aiosmtpd stored the files in. Python's mailbox.Maildir names each one
// "<seconds>.M<microseconds>P<pid>Q<counter>.<host>" from the time it wrote it: that orders the
// messages more finely than the file times (which Linux keeps at the kernel tick). Other names
// fall back to the file time.
struct ArrivalKey {
  std::int64_t micros = 0;
  std::int64_t counter = 0;
  std::string name;
  bool operator<(const ArrivalKey& o) const {
    return std::tie(micros, counter, name) < std::tie(o.micros, o.counter, o.name);
  }
};

ArrivalKey arrival_key(const fs::directory_entry& entry) {
  ArrivalKey key{0, 0, entry.path().filename().string()};
  const std::string& name = key.name;
  try {
    const auto dot_m = name.find(".M");
    const auto p = name.find('P', dot_m == std::string::npos ? 0 : dot_m);
    const auto q = name.find('Q', p == std::string::npos ? 0 : p);
    if (dot_m != std::string::npos && p != std::string::npos && q != std::string::npos) {
      key.micros = std::stoll(name.substr(0, dot_m)) * 1'000'000 + std::stoll(name.substr(dot_m + 2, p - dot_m - 2));
      key.counter = std::stoll(name.substr(q + 1));
      return key;
    }
  } catch (const std::exception&) {
    // not Python's naming: the file time below
  }
  std::error_code ec;
  const auto written = entry.last_write_time(ec);
  key.micros = ec ? 0 : std::chrono::duration_cast<std::chrono::microseconds>(written.time_since_epoch()).count();
  return key;
}

// Every message in new/, parsed once: a stored file never changes (Maildir writes it under tmp/
// and renames it into new/ whole).
std::vector<ReceivedMail> all_mail() {
  static std::mutex mutex;
  static std::map<std::string, ReceivedMail> parsed;  // by path
  const std::string dir = env_or_fail("KEEL_TEST_SMTP_DIR");
  if (dir.empty()) return {};
  std::vector<std::pair<ArrivalKey, std::string>> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(dir) / "new", ec)) {
    if (entry.is_regular_file(ec)) files.emplace_back(arrival_key(entry), entry.path().string());
  }
  if (ec) ADD_FAILURE() << "reading " << dir << "/new: " << ec.message();
  std::sort(files.begin(), files.end());
  std::vector<ReceivedMail> out;
  std::lock_guard lock(mutex);
  for (const auto& [key, path] : files) {
    auto found = parsed.find(path);
    if (found == parsed.end()) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      found = parsed.emplace(path, maildir_detail::parse_message(text.str())).first;
    }
    out.push_back(found->second);
  }
  return out;
}

bool addressed_to(const ReceivedMail& mail, const std::string& address) {
  const std::string wanted = lower(trim(address));
  std::istringstream recipients(mail.to);
  for (std::string one; std::getline(recipients, one, ',');) {
    if (lower(trim(one)) == wanted) return true;
  }
  return false;
}

}  // namespace

namespace maildir_detail {

std::string base64_decode(std::string_view text) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') break;
    else continue;  // line breaks and other whitespace
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xFF);
      out += static_cast<char>((bits >> 8) & 0xFF);
      out += static_cast<char>(bits & 0xFF);
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) {
    out += static_cast<char>((bits >> 4) & 0xFF);
  } else if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xFF);
    out += static_cast<char>((bits >> 2) & 0xFF);
  }
  return out;
}

std::string decode_header_text(std::string_view value) {
  std::string out;
  std::string pending_space;  // whitespace seen since the last word
  bool after_encoded_word = false;
  std::size_t i = 0;
  while (i < value.size()) {
    if (value.compare(i, 2, "=?") == 0) {
      // =?charset?B|Q?text?=  (the charset is taken to be UTF-8, as keel sends)
      const auto q1 = value.find('?', i + 2);
      if (q1 != std::string_view::npos && q1 + 2 < value.size() && value[q1 + 2] == '?') {
        const char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
        const auto end = value.find("?=", q1 + 3);
        if ((encoding == 'B' || encoding == 'Q') && end != std::string_view::npos) {
          const std::string_view encoded = value.substr(q1 + 3, end - q1 - 3);
          if (!after_encoded_word) out += pending_space;  // RFC 2047 §6.2: dropped between two words
          pending_space.clear();
          out += encoding == 'B' ? base64_decode(encoded) : qp_decode(encoded, true);
          after_encoded_word = true;
          i = end + 2;
          continue;
        }
      }
    }
    const char c = value[i++];
    if (c == ' ' || c == '\t' || c == '\n') {
      pending_space += c == '\n' ? ' ' : c;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += c;
    after_encoded_word = false;
  }
  return trim(out + pending_space);
}

ReceivedMail parse_message(std::string raw) {
  ReceivedMail mail;
  std::string text = raw;
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  mail.raw = std::move(raw);
  const auto [headers, body] = split_entity(text);
  std::string recipients;
  for (const auto& [name, value] : headers) {
    if (name == "x-rcptto") recipients += (recipients.empty() ? "" : ", ") + trim(value);
  }
  mail.to = recipients;
  mail.from = decode_header_text(header(headers, "from"));
  mail.subject = decode_header_text(header(headers, "subject"));
  collect_parts(headers, body, mail);
  return mail;
}

}  // namespace maildir_detail

std::string smtp_url() { return env_or_fail("KEEL_TEST_SMTP_URL"); }

void smtp_ctl(const std::string& what) {
  const std::string ctl = env_or_fail("KEEL_TEST_SMTP_CTL");
  if (ctl.empty()) return;
  const int rc = std::system(("'" + ctl + "' " + what).c_str());
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    ADD_FAILURE() << "KEEL_TEST_SMTP_CTL " << what << " failed (" << rc << ")";
  }
}

std::vector<ReceivedMail> mails_to(const std::string& address) {
  std::vector<ReceivedMail> out;
  for (ReceivedMail& m : all_mail()) {
    if (addressed_to(m, address)) out.push_back(std::move(m));
  }
  return out;
}

ReceivedMail wait_for_mail(const std::string& address, std::size_t nth, std::chrono::milliseconds timeout) {
  nth = std::max<std::size_t>(nth, 1);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<ReceivedMail> got = mails_to(address);
    if (got.size() >= nth) return std::move(got[nth - 1]);
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string subjects;
      for (const auto& m : got) subjects += "\n  \"" + m.subject + "\"";
      ADD_FAILURE() << "mail #" << nth << " to " << address << " did not arrive within " << timeout.count()
                    << " ms; " << got.size() << " did" << (got.empty() ? "" : ":") << subjects;
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string link_in(const ReceivedMail& mail, std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  // Built with += : g++ 12 warns (-Wrestrict, falsely) on "/" + std::string(...).
  std::string needle = "/";
  needle += path;
  needle += "?token=";
  const auto at = mail.text.find(needle);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no link to " << needle << "... in the text part of \"" << mail.subject << "\":\n" << mail.text;
    return {};
  }
  std::string token;
  for (std::size_t i = at + needle.size(); i < mail.text.size(); ++i) {
    const char c = mail.text[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) break;
    token += c;
  }
  EXPECT_EQ(token.size(), 43u) << "a token of 256 bits is 43 base64url characters: \"" << token << "\" in\n"
                               << mail.text;
  return token;
}

}  // namespace keel::test
