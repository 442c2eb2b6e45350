#pragma once

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

/// What an update writes: only the fields present (and updated_at), never the others, so it
/// can't put back a value another request changed meanwhile.
struct UserChanges {
  std::optional<std::string> email;
  std::optional<std::string> name;
  std::optional<std::string> role;
  std::optional<std::string> password_hash;
  /// Marks the email verified if the row's address is this one (a token mailed there proved it).
  std::optional<std::string> verified_email;
  std::string updated_at;
};

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

  /// Inside `tx`: inserts the user; throws Error::conflict("email") when the email is taken.
  Task<void> create(storage::Transaction& tx, User user, std::string password_hash);
  /// The user with this (already normalised) email, if any.
  Task<std::optional<UserRecord>> find_by_email(std::string email);
  /// The user with this id, if any.
  Task<std::optional<UserRecord>> find_by_id(std::string id);
  /// A page of users ordered by creation (then id), and the total count.
  Task<std::pair<std::vector<User>, lists::Page>> list(const lists::ListQuery& q, const lists::CursorCodec& cursors,
                                                       lists::CountCache* totals = nullptr);
  /// The database, for the transactions the methods below run in.
  storage::Database& database() noexcept { return db_; }

  /// Inside `tx`: the ids of all admins, locked where the dialect locks rows, so no other
  /// transaction demotes or deletes one of them until this one ends. Every role change and
  /// deletion takes these locks first, so they take turns (and never deadlock over users).
  Task<std::vector<std::string>> lock_admins(storage::Transaction& tx);
  /// Inside `tx`: the user with this id, if any, locked as above.
  Task<std::optional<User>> find_for_update(storage::Transaction& tx, std::string id);
  /// Inside `tx`: writes the fields `changes` names and updated_at; false if the user is gone.
  /// Throws Error::conflict("email") when the new email is taken.
  Task<bool> update(storage::Transaction& tx, std::string id, UserChanges changes);
  /// Inside `tx`: deletes the user (sessions go with it); false if there was none.
  Task<bool> remove(storage::Transaction& tx, std::string id);

 private:
  storage::Database& db_;
  std::string columns_;        // User's fields in order, then password_hash
  std::string find_by_email_;  // $1 email
  std::string find_by_id_;     // $1 id
  std::string find_for_update_;  // $1 id
  std::string lock_admins_;
};

/// The columns of the users list (API.md §4: email, name, role, createdAt, updatedAt, and id).
const lists::Catalog& users_catalog();

}  // namespace keel::users
