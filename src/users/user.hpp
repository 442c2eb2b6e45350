#pragma once

#include <string>

namespace keel::users {

/// A user as API.md §4 shows it: never a password or hash.
struct User {
  std::string id;
  std::string email;
  std::string name;
  std::string role;
  std::string created_at;
  std::string updated_at;
  bool email_verified = false;  // emailVerified (API.md §4, §11)
};

}  // namespace keel::users
