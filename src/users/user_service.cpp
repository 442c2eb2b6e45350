#include "users/user_service.hpp"

#include <algorithm>
#include <exception>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/password_hasher.hpp"
#include "users/user_json.hpp"
#include "users/user_store.hpp"

namespace keel::users {
namespace {

void require_admin(const Principal& p) {
  if (!p.is_admin()) throw Error::forbidden("Only admins may do this");
}

void require_admin_or_self(const Principal& p, const std::string& id) {
  if (!p.is_admin() && p.user_id != id) throw Error::forbidden("You may only do this to your own account");
}

// An admin's token outlives a demotion or deletion committed while its request was under way:
// role changes and deletions of others also ask the database, whose admins `admins` holds.
bool still_admin(const Principal& p, const std::vector<std::string>& admins) {
  return p.is_admin() && std::find(admins.begin(), admins.end(), p.user_id) != admins.end();
}

events::Event user_event(std::string type, const User& user, std::optional<std::string> actor) {
  const bool auth = type.starts_with("auth.");
  return events::Event{std::move(type), auth ? "auth" : "users", user.id, std::move(actor), user_event_data(user)};
}

Error last_admin() {
  return Error(ErrorCode::kConflict, "The last admin can't be demoted or deleted",
               {{"role", "at least one admin must remain"}});
}

}  // namespace

bool is_known_role(std::string_view role, const std::vector<std::string>& declared) {
  return role == "admin" || role == "user" || std::find(declared.begin(), declared.end(), role) != declared.end();
}

UserService::UserService(UserStore& users, SessionRevoker& sessions, PasswordHasher& passwords,
                         const lists::CursorCodec& cursors, events::EventLog& events, OwnerDeletion owner_deletion,
                         lists::CountCache* totals, EmailChanged email_changed)
    : users_(users),
      cursors_(cursors),
      totals_(totals),
      sessions_(sessions),
      passwords_(passwords),
      events_(events),
      owner_deletion_(std::move(owner_deletion)),
      email_changed_(std::move(email_changed)) {}

Task<UserPage> UserService::list(Principal caller, std::vector<std::pair<std::string, std::string>> params) {
  require_admin(caller);  // before the parameters: non-admins learn nothing from a 400
  lists::ListQuery query = lists::parse_list_query(params, users_catalog(), cursors_, {{}, caller.user_id});
  auto [users, page] = co_await users_.list(query, cursors_, totals_);
  co_return UserPage{std::move(users), std::move(query), std::move(page)};
}

Task<UserPage> UserService::list(Principal caller, lists::ListQuery query) {
  require_admin(caller);
  auto [users, page] = co_await users_.list(query, cursors_, totals_);
  co_return UserPage{std::move(users), std::move(query), std::move(page)};
}

Task<User> UserService::create(Principal caller, NewUser input) {
  require_admin(caller);
  std::string hash = co_await passwords_.hash(std::move(input.password));
  const std::string now = now_timestamp();
  User user{new_uuid_v7(), std::move(input.email), std::move(input.name), std::move(input.role), now, now};
  co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    co_await users_.create(tx, user, std::move(hash));
    co_await events_.record(tx, user_event("users.created", user, caller.user_id));
  });
  co_return user;
}

Task<User> UserService::get(Principal caller, std::string id) {
  require_admin_or_self(caller, id);
  auto record = co_await users_.find_by_id(std::move(id));
  if (!record) throw Error::not_found("No such user");
  co_return std::move(record->user);
}

Task<User> UserService::update(Principal caller, std::string id, UserPatch patch) {
  require_admin_or_self(caller, id);
  auto record = co_await users_.find_by_id(id);
  if (!record) throw Error::not_found("No such user");
  const bool self = caller.user_id == id;
  // Checked again below against the row as the transaction sees it; here it spares a non-admin
  // the password checks.
  if (patch.role && *patch.role != record->user.role && !caller.is_admin()) {
    throw Error::forbidden("Only admins may change roles");
  }

  // Password checks and hashing take bcrypt time: before the transaction, which holds locks.
  UserChanges changes{std::move(patch.email), std::move(patch.name), std::move(patch.role), std::nullopt, std::nullopt,
                      now_timestamp()};
  if (patch.password) {
    if (self) {
      if (!patch.current_password) {
        throw Error::validation({{"currentPassword", "is required to change your own password"}});
      }
      std::string current = std::move(*patch.current_password);
      std::string stored = record->password_hash;
      const bool matches = co_await passwords_.verify(std::move(current), std::move(stored));
      if (!matches) {
        throw Error::validation({{"currentPassword", "is not correct"}});
      }
    }
    changes.password_hash = co_await passwords_.hash(std::move(*patch.password));
  }
  const bool password_changes = changes.password_hash.has_value();
  const std::string keep = self ? caller.session_id : std::string();  // a password change keeps the caller's own

  // Only the named fields are written (finding 6 of issue 12): the user's own update of their
  // name can't write back the role an admin changed meanwhile. A role change decides, checks
  // the last-admin rule and writes in one transaction, holding the admins' rows (finding 7).
  std::optional<User> updated;
  std::vector<std::string> revoked;
  co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    bool role_changes = false;
    if (changes.role) {
      const std::vector<std::string> admins = co_await users_.lock_admins(tx);
      const std::optional<User> current = co_await users_.find_for_update(tx, id);
      if (!current) throw Error::not_found("No such user");
      role_changes = *changes.role != current->role;
      if (role_changes) {
        if (current->role == "admin" && admins.size() <= 1) throw last_admin();
        if (!still_admin(caller, admins)) throw Error::forbidden("Only admins may change roles");
      } else {
        changes.role.reset();
      }
    }
    // After the admins' locks (a role change takes those first, so nothing deadlocks over users).
    std::optional<std::string> email_before;
    if (changes.email) {
      const std::optional<User> current = co_await users_.find_for_update(tx, id);
      if (!current) throw Error::not_found("No such user");
      email_before = current->email;
    }
    const bool found = co_await users_.update(tx, id, std::move(changes));
    if (!found) throw Error::not_found("No such user");
    if (role_changes) {
      revoked = co_await sessions_.revoke_user_sessions(tx, id, "");  // they sign in again and get the new role
    } else if (password_changes) {
      revoked = co_await sessions_.revoke_user_sessions(tx, id, keep);
    }
    updated = co_await users_.find_for_update(tx, id);
    if (email_before && updated->email != *email_before && email_changed_) co_await email_changed_(tx, *updated);
    // One change, one event: a change that sets the password is that (its data shows the rest).
    events::Event event = user_event(password_changes ? "auth.password_changed" : "users.updated", *updated, caller.user_id);
    co_await events_.record(tx, std::move(event));
  });
  sessions_.revoked(std::move(revoked));
  co_return std::move(*updated);
}

Task<void> UserService::remove(Principal caller, std::string id) {
  require_admin_or_self(caller, id);
  std::vector<std::string> revoked;
  std::exception_ptr failure;
  // One transaction holding the admins' rows: two admins deleting each other at once take turns,
  // and the second finds itself the last admin (finding 7 of issue 12).
  try {
    co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
      const std::vector<std::string> admins = co_await users_.lock_admins(tx);
      const std::optional<User> user = co_await users_.find_for_update(tx, id);
      if (!user) throw Error::not_found("No such user");
      if (user->role == "admin" && admins.size() <= 1) throw last_admin();
      if (caller.user_id != id && !still_admin(caller, admins)) throw Error::forbidden("Only admins may do this");
      // The revocations are recorded where the deletion doesn't cascade, so they outlive the
      // sessions on every instance and across restarts (finding 8 of issue 12).
      revoked = co_await sessions_.revoke_user_sessions(tx, id, "");
      co_await events_.record(tx, user_event("users.deleted", *user, caller.user_id));
      // Before the delete, while they are there to be read: the records it takes with it.
      if (owner_deletion_.record) co_await owner_deletion_.record(tx, id, caller.user_id);
      co_await users_.remove(tx, id);
    });
  } catch (...) {
    failure = std::current_exception();
  }
  if (owner_deletion_.after) co_await owner_deletion_.after();
  if (failure) std::rethrow_exception(failure);
  sessions_.revoked(std::move(revoked));
}

Task<bool> UserService::ensure_admin(std::string email, std::string password, std::string name) {
  const auto existing = co_await users_.find_by_email(email);
  if (existing) co_return false;
  std::string hash = co_await passwords_.hash(std::move(password));
  const std::string now = now_timestamp();
  User user{new_uuid_v7(), std::move(email), std::move(name), "admin", now, now, /*email_verified=*/true};
  co_await users_.database().transaction([&](storage::Transaction& tx) -> Task<void> {
    co_await users_.create(tx, user, std::move(hash));
    co_await events_.record(tx, user_event("users.created", user, std::nullopt));  // by the operator, not a user
  });
  co_return true;
}

}  // namespace keel::users
