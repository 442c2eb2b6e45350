#include "users/user_json.hpp"

#include <algorithm>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/password_hasher.hpp"
#include "core/text_rules.hpp"
#include "http/json_body.hpp"

namespace keel::users {

boost::json::object user_json(const User& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"name", u.name},
          {"role", u.role},
          {"emailVerified", u.email_verified},
          {"createdAt", u.created_at},
          {"updatedAt", u.updated_at}};
}

std::string user_event_data(const User& user) { return boost::json::serialize(user_json(user)); }

NewUser parse_account(const boost::json::object& body, std::initializer_list<std::string_view> also_known,
                      ErrorDetails& details) {
  for (const auto& [key, value] : body) {
    const std::string_view k = key;
    if (k == "email" || k == "password" || k == "name") continue;
    if (std::find(also_known.begin(), also_known.end(), k) == also_known.end()) {
      details[std::string(k)] = "is not a known field";
    }
  }
  NewUser in;
  std::string email;
  if (http::read_required_string(body, "email", email, details)) {
    if (auto normal = normalise_email(email)) {
      in.email = std::move(*normal);
    } else {
      details["email"] = "must be a valid email address";
    }
  }
  if (http::read_required_string(body, "password", in.password, details)) check_password(in.password, details);
  std::string name;
  if (http::read_required_string(body, "name", name, details)) in.name = check_name(name, details);
  return in;
}

}  // namespace keel::users
