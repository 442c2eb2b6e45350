#include "auth/auth_json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"

namespace keel::auth {
namespace {

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

bool domain_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool local_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+/=?^_`{|}~.-").find(c) != std::string_view::npos;
}

// Reads a string field into `out`; records an error in `details` when present but not a string.
bool read_string(const boost::json::object& body, const char* field, std::string& out, ErrorDetails& details) {
  const auto* v = body.if_contains(field);
  if (!v || v->is_null()) {
    details[field] = "is required";
    return false;
  }
  if (!v->is_string()) {
    details[field] = "must be a string";
    return false;
  }
  out = std::string(v->as_string());
  return true;
}

void reject_unknown(const boost::json::object& body, std::initializer_list<std::string_view> known,
                    ErrorDetails& details) {
  for (const auto& [key, value] : body) {
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
      details[std::string(key)] = "is not a known field";
    }
  }
}

}  // namespace

void check_password(const std::string& password, ErrorDetails& details) {
  // bcrypt reads at most 72 bytes: longer is refused, never silently truncated.
  if (password.size() < 8) details["password"] = "must be at least 8 bytes";
  if (password.size() > 72) details["password"] = "must be at most 72 bytes";
}

std::string check_name(std::string_view raw, ErrorDetails& details) {
  std::string name(trim(raw));
  const std::size_t length = utf8_length(name);
  if (length < 1 || length > 100) details["name"] = "must be 1 to 100 characters";
  return name;
}

std::optional<std::string> normalise_email(std::string_view raw) {
  std::string email(trim(raw));
  for (char& c : email) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  if (email.size() > 254) return std::nullopt;
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at > 64 || email.find('@', at + 1) != std::string::npos) {
    return std::nullopt;
  }
  const std::string_view local(email.data(), at);
  const std::string_view domain(email.data() + at + 1, email.size() - at - 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return std::nullopt;
  for (char c : local) {
    if (!local_char(c)) return std::nullopt;
  }
  // domain: labels of [a-z0-9-], not starting or ending with '-', at least two, TLD of letters
  if (domain.empty() || domain.find('.') == std::string_view::npos) return std::nullopt;
  std::size_t start = 0;
  std::string_view last;
  while (start <= domain.size()) {
    const auto dot = domain.find('.', start);
    const std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return std::nullopt;
    for (char c : label) {
      if (!domain_label_char(c)) return std::nullopt;
    }
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (last.size() < 2) return std::nullopt;
  for (char c : last) {
    if (c < 'a' || c > 'z') return std::nullopt;
  }
  return email;
}

RegisterInput parse_register(const boost::json::object& body) {
  ErrorDetails details;
  reject_unknown(body, {"email", "password", "name"}, details);
  RegisterInput in;
  std::string email;
  if (read_string(body, "email", email, details)) {
    if (auto normal = normalise_email(email)) {
      in.email = std::move(*normal);
    } else {
      details["email"] = "must be a valid email address";
    }
  }
  if (read_string(body, "password", in.password, details)) check_password(in.password, details);
  std::string name;
  if (read_string(body, "name", name, details)) in.name = check_name(name, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  return in;
}

std::pair<std::string, std::string> parse_login(const boost::json::object& body) {
  ErrorDetails details;
  reject_unknown(body, {"email", "password"}, details);
  std::string email, password;
  read_string(body, "email", email, details);
  read_string(body, "password", password, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  // A malformed email can't match an account: it gets the same answer as a wrong password.
  return {normalise_email(email).value_or(std::string()), std::move(password)};
}

std::string parse_refresh(const boost::json::object& body) {
  ErrorDetails details;
  reject_unknown(body, {"refreshToken"}, details);
  std::string token;
  read_string(body, "refreshToken", token, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  return token;
}

boost::json::object user_json(const users::User& u) {
  return {{"id", u.id},       {"email", u.email},          {"name", u.name},
          {"role", u.role},   {"createdAt", u.created_at}, {"updatedAt", u.updated_at}};
}

boost::json::object token_response_json(const TokenResponse& r) {
  return {{"user", user_json(r.user)},
          {"accessToken", r.access_token},
          {"refreshToken", r.refresh_token},
          {"tokenType", "Bearer"},
          {"expiresIn", r.expires_in}};
}

}  // namespace keel::auth
