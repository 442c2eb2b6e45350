#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "core/principal.hpp"
#include "events/event_log.hpp"
#include "lists/count_cache.hpp"
#include "lists/list_page.hpp"
#include "lists/list_query.hpp"
#include "users/session_revoker.hpp"
#include "users/user.hpp"

namespace keel {
class PasswordHasher;
}

namespace keel::users {

class UserStore;

struct NewUser {
  std::string email;  // normalised
  std::string password;
  std::string name;  // trimmed
  std::string role = "user";
};

/// A partial update; absent fields stay as they are.
struct UserPatch {
  std::optional<std::string> email;
  std::optional<std::string> password;
  std::optional<std::string> name;
  std::optional<std::string> role;
  std::optional<std::string> current_password;
};

struct UserPage {
  std::vector<User> users;
  lists::ListQuery query;
  lists::Page page;
};

/// What a user's deletion does to the records it takes with it. Resources provide it (the App
/// wires it), so users never includes resources.
struct OwnerDeletion {
  /// Inside the transaction deleting a user (its id, then who deletes it): records their events.
  std::function<Task<void>(storage::Transaction&, std::string, std::optional<std::string>)> record;
  /// After that transaction (committed or not), before the answer: e.g. the read cache forgets them.
  std::function<Task<void>()> after;
};

/// Inside the transaction changing a user's address, with the user as changed: e.g. queue the
/// mail that verifies the new address (API.md §11). The App wires it, so users never includes auth.
using EmailChanged = std::function<Task<void>(storage::Transaction&, const User&)>;

/// Users and roles (API.md §4): who may read, change and delete whom, and what a change
/// does to the user's sessions. Every change records its event (API.md §9) in its transaction.
/// No HTTP or SQL here.
class UserService {
 public:
  UserService(UserStore& users, SessionRevoker& sessions, PasswordHasher& passwords, const lists::CursorCodec& cursors,
              events::EventLog& events, OwnerDeletion owner_deletion = {}, lists::CountCache* totals = nullptr,
              EmailChanged email_changed = {});

  /// Admins only (403 otherwise).
  Task<UserPage> list(Principal caller, std::vector<std::pair<std::string, std::string>> params);
  /// The same for a query built by the caller over users_catalog() (GraphQL's arguments).
  Task<UserPage> list(Principal caller, lists::ListQuery query);
  /// Admins only; 409 when the email is taken.
  Task<User> create(Principal caller, NewUser input);
  /// Admins, or the user themself (403 for others); 404 when absent.
  Task<User> get(Principal caller, std::string id);
  /// Admins, or the user themself. Writes only the fields the patch names. Only admins change
  /// roles (403, also for a caller the database no longer holds an admin); a self password
  /// change needs the current password; the last admin can't be demoted (409), however many
  /// requests race. A password change revokes the user's other sessions, a role change all of
  /// them, in the same transaction.
  Task<User> update(Principal caller, std::string id, UserPatch patch);
  /// Admins, or the user themself; the last admin can't be deleted (409), however many requests
  /// race. Sessions go too; the record that their tokens are revoked stays.
  Task<void> remove(Principal caller, std::string id);
  /// Creates an admin with this email unless a user has it already (never changes a password).
  /// Returns true when it created one.
  Task<bool> ensure_admin(std::string email, std::string password, std::string name);

 private:
  UserStore& users_;
  const lists::CursorCodec& cursors_;
  lists::CountCache* totals_;
  SessionRevoker& sessions_;
  PasswordHasher& passwords_;
  events::EventLog& events_;
  OwnerDeletion owner_deletion_;
  EmailChanged email_changed_;
};

/// Whether a user may hold `role`: "admin", "user", or one the resources file declares.
bool is_known_role(std::string_view role, const std::vector<std::string>& declared);

}  // namespace keel::users
