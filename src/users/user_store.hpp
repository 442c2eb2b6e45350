#pragma once

#include <optional>
#include <string>

#include "core/async.hpp"
#include "storage/database.hpp"
#include "users/user.hpp"

namespace keel::users {

/// A stored user with the hash only sign-in needs.
struct UserRecord {
  User user;
  std::string password_hash;
};

/// The users table.
class UserStore {
 public:
  explicit UserStore(storage::Database& db) : db_(db) {}

  /// Inserts the user; throws Error::conflict("email") when the email is taken.
  Task<void> create(User user, std::string password_hash);
  /// The user with this (already normalised) email, if any.
  Task<std::optional<UserRecord>> find_by_email(std::string email);
  /// The user with this id, if any.
  Task<std::optional<UserRecord>> find_by_id(std::string id);

 private:
  storage::Database& db_;
};

}  // namespace keel::users
