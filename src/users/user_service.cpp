#include "users/user_service.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/password_hasher.hpp"
#include "users/user_store.hpp"

namespace keel::users {
namespace {

void require_admin(const Principal& p) {
  if (!p.is_admin()) throw Error::forbidden("Only admins may do this");
}

void require_admin_or_self(const Principal& p, const std::string& id) {
  if (!p.is_admin() && p.user_id != id) throw Error::forbidden("You may only do this to your own account");
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
                         const lists::CursorCodec& cursors)
    : users_(users), cursors_(cursors), sessions_(sessions), passwords_(passwords) {}

Task<UserPage> UserService::list(Principal caller, std::vector<std::pair<std::string, std::string>> params) {
  require_admin(caller);  // before the parameters: non-admins learn nothing from a 400
  lists::ListQuery query = lists::parse_list_query(params, users_catalog(), cursors_, {{}, caller.user_id});
  auto [users, page] = co_await users_.list(query, cursors_);
  co_return UserPage{std::move(users), std::move(query), std::move(page)};
}

Task<User> UserService::create(Principal caller, NewUser input) {
  require_admin(caller);
  std::string hash = co_await passwords_.hash(std::move(input.password));
  const std::string now = now_timestamp();
  User user{new_uuid_v7(), std::move(input.email), std::move(input.name), std::move(input.role), now, now};
  co_await users_.create(user, std::move(hash));
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
  User user = std::move(record->user);
  const bool self = caller.user_id == id;

  const bool role_changes = patch.role && *patch.role != user.role;
  if (role_changes) {
    if (!caller.is_admin()) throw Error::forbidden("Only admins may change roles");
    if (user.role == "admin") {
      const std::int64_t admins = co_await users_.count_admins();
      if (admins <= 1) throw last_admin();
    }
  }
  std::optional<std::string> new_hash;
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
    new_hash = co_await passwords_.hash(std::move(*patch.password));
  }
  if (patch.email) user.email = std::move(*patch.email);
  if (patch.name) user.name = std::move(*patch.name);
  if (patch.role) user.role = std::move(*patch.role);
  user.updated_at = now_timestamp();
  const bool password_changes = new_hash.has_value();
  const bool updated = co_await users_.update(user, std::move(new_hash));
  if (!updated) throw Error::not_found("No such user");

  if (role_changes) {
    co_await sessions_.revoke_user_sessions(user.id, "");  // they sign in again and get the new role
  } else if (password_changes) {
    std::string keep = self ? caller.session_id : std::string();  // not inside co_await: g++ 12
    co_await sessions_.revoke_user_sessions(user.id, std::move(keep));
  }
  co_return user;
}

Task<void> UserService::remove(Principal caller, std::string id) {
  require_admin_or_self(caller, id);
  auto record = co_await users_.find_by_id(id);
  if (!record) throw Error::not_found("No such user");
  if (record->user.role == "admin") {
    const std::int64_t admins = co_await users_.count_admins();
    if (admins <= 1) throw last_admin();
  }
  co_await sessions_.revoke_user_sessions(id, "");  // recorded first, so other instances learn of it
  co_await users_.remove(std::move(id));
}

Task<bool> UserService::ensure_admin(std::string email, std::string password, std::string name) {
  const auto existing = co_await users_.find_by_email(email);
  if (existing) co_return false;
  std::string hash = co_await passwords_.hash(std::move(password));
  const std::string now = now_timestamp();
  User user{new_uuid_v7(), std::move(email), std::move(name), "admin", now, now};
  co_await users_.create(std::move(user), std::move(hash));
  co_return true;
}

}  // namespace keel::users
