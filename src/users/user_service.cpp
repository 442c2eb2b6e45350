#include "users/user_service.hpp"

#include <algorithm>

#include "auth/password_hasher.hpp"
#include "auth/revocations.hpp"
#include "auth/session_store.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "users/user_store.hpp"

namespace keel::users {
namespace {


bool is_admin(const http::Principal& p) { return p.role == "admin"; }

void require_admin(const http::Principal& p) {
  if (!is_admin(p)) throw Error::forbidden("Only admins may do this");
}

void require_admin_or_self(const http::Principal& p, const std::string& id) {
  if (!is_admin(p) && p.user_id != id) throw Error::forbidden("You may only do this to your own account");
}

Error last_admin() {
  return Error(ErrorCode::kConflict, "The last admin can't be demoted or deleted",
               {{"role", "at least one admin must remain"}});
}

}  // namespace

bool is_known_role(std::string_view role, const std::vector<std::string>& declared) {
  return role == "admin" || role == "user" || std::find(declared.begin(), declared.end(), role) != declared.end();
}

UserService::UserService(UserStore& users, auth::SessionStore& sessions, auth::Revocations& revocations,
                         auth::PasswordHasher& passwords, const lists::CursorCodec& cursors)
    : users_(users), cursors_(cursors), sessions_(sessions), revocations_(revocations), passwords_(passwords) {}

Task<UserPage> UserService::list(http::Principal caller, std::vector<std::pair<std::string, std::string>> params) {
  require_admin(caller);  // before the parameters: non-admins learn nothing from a 400
  lists::ListQuery query = lists::parse_list_query(params, users_catalog(), cursors_, {{}, caller.user_id});
  auto [users, page] = co_await users_.list(query, cursors_);
  co_return UserPage{std::move(users), std::move(query), std::move(page)};
}

Task<User> UserService::create(http::Principal caller, NewUser input) {
  require_admin(caller);
  std::string hash = co_await passwords_.hash(std::move(input.password));
  const std::string now = now_timestamp();
  User user{new_uuid_v7(), std::move(input.email), std::move(input.name), std::move(input.role), now, now};
  co_await users_.create(user, std::move(hash));
  co_return user;
}

Task<User> UserService::get(http::Principal caller, std::string id) {
  require_admin_or_self(caller, id);
  auto record = co_await users_.find_by_id(std::move(id));
  if (!record) throw Error::not_found("No such user");
  co_return std::move(record->user);
}

Task<User> UserService::update(http::Principal caller, std::string id, UserPatch patch) {
  require_admin_or_self(caller, id);
  auto record = co_await users_.find_by_id(id);
  if (!record) throw Error::not_found("No such user");
  User user = std::move(record->user);
  const bool self = caller.user_id == id;

  const bool role_changes = patch.role && *patch.role != user.role;
  if (role_changes) {
    if (!is_admin(caller)) throw Error::forbidden("Only admins may change roles");
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
    co_await revoke_sessions(user.id, "");  // they sign in again and get the new role
  } else if (password_changes) {
    std::string keep = self ? caller.session_id : std::string();  // not inside co_await: g++ 12
    co_await revoke_sessions(user.id, std::move(keep));
  }
  co_return user;
}

Task<void> UserService::remove(http::Principal caller, std::string id) {
  require_admin_or_self(caller, id);
  auto record = co_await users_.find_by_id(id);
  if (!record) throw Error::not_found("No such user");
  if (record->user.role == "admin") {
    const std::int64_t admins = co_await users_.count_admins();
    if (admins <= 1) throw last_admin();
  }
  co_await revoke_sessions(id, "");  // recorded first, so other instances learn of it
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

Task<void> UserService::revoke_sessions(std::string user_id, std::string keep) {
  const std::int64_t now = now_unix_ms();
  const auto revoked = co_await sessions_.revoke_user(std::move(user_id), std::move(keep), now);
  for (const auto& sid : revoked) revocations_.add(sid, now);
}

}  // namespace keel::users
