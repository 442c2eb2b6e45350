#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>
#include <string>

#include "core/async.hpp"
#include "lists/list_page.hpp"
#include "lists/list_query.hpp"
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
  /// Builds its statements in db's dialect.
  explicit UserStore(storage::Database& db);

  /// Inserts the user; throws Error::conflict("email") when the email is taken.
  Task<void> create(User user, std::string password_hash);
  /// The user with this (already normalised) email, if any.
  Task<std::optional<UserRecord>> find_by_email(std::string email);
  /// The user with this id, if any.
  Task<std::optional<UserRecord>> find_by_id(std::string id);
  /// A page of users ordered by creation (then id), and the total count.
  Task<std::pair<std::vector<User>, lists::Page>> list(const lists::ListQuery& q, const lists::CursorCodec& cursors);
  /// Writes name, email, role and updated_at (and the hash when given); false if the user is gone.
  /// Throws Error::conflict("email") when the new email is taken.
  Task<bool> update(User user, std::optional<std::string> password_hash);
  /// Deletes the user (sessions go with it); false if there was none.
  Task<bool> remove(std::string id);
  /// How many admins exist.
  Task<std::int64_t> count_admins();

 private:
  storage::Database& db_;
  std::string columns_;        // User's fields in order, then password_hash
  std::string find_by_email_;  // $1 email
  std::string find_by_id_;     // $1 id
};

/// The columns of the users list (API.md §4: email, name, role, createdAt, updatedAt, and id).
const lists::Catalog& users_catalog();

}  // namespace keel::users
