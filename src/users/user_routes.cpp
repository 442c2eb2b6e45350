#include "users/user_routes.hpp"


#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/auth_json.hpp"
#include "auth/auth_middleware.hpp"
#include "core/error.hpp"
#include "http/json_body.hpp"
#include "lists/list_page.hpp"
#include "users/user_store.hpp"
#include "users/user_service.hpp"

namespace keel::users {
namespace {

std::optional<std::string> optional_string(const boost::json::object& body, const char* field, ErrorDetails& details) {
  const auto* v = body.if_contains(field);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    details[field] = "must be a string";
    return std::nullopt;
  }
  return std::string(v->as_string());
}

void check_role(const std::optional<std::string>& role, const std::vector<std::string>& declared,
                ErrorDetails& details) {
  if (!role || is_known_role(*role, declared)) return;
  std::string all = "admin, user";
  for (const auto& r : declared) all += ", " + r;
  details["role"] = "must be one of: " + all;
}

// Everything register validates, plus an optional role.
NewUser parse_new_user(const boost::json::object& body, const std::vector<std::string>& declared) {
  boost::json::object rest = body;
  const auto* role_value = body.if_contains("role");
  ErrorDetails details;
  std::optional<std::string> role;
  if (role_value) {
    role = optional_string(body, "role", details);
    rest.erase("role");
  }
  check_role(role, declared, details);
  auth::RegisterInput in;
  try {
    in = auth::parse_register(rest);
  } catch (const Error& e) {
    for (const auto& [k, v] : e.details()) details[k] = v;
  }
  if (!details.empty()) throw Error::validation(std::move(details));
  return NewUser{std::move(in.email), std::move(in.password), std::move(in.name), role.value_or("user")};
}

UserPatch parse_patch(const boost::json::object& body, const std::vector<std::string>& declared) {
  ErrorDetails details;
  for (const auto& [key, value] : body) {
    static constexpr std::string_view kKnown[] = {"email", "password", "name", "role", "currentPassword"};
    if (std::find(std::begin(kKnown), std::end(kKnown), std::string_view(key)) == std::end(kKnown)) {
      details[std::string(key)] = "is not a known field";
    }
  }
  UserPatch patch;
  if (auto email = optional_string(body, "email", details)) {
    if (auto normal = auth::normalise_email(*email)) {
      patch.email = std::move(*normal);
    } else {
      details["email"] = "must be a valid email address";
    }
  }
  if (auto password = optional_string(body, "password", details)) {
    auth::check_password(*password, details);
    patch.password = std::move(password);
  }
  if (auto name = optional_string(body, "name", details)) patch.name = auth::check_name(*name, details);
  patch.role = optional_string(body, "role", details);
  check_role(patch.role, declared, details);
  patch.current_password = optional_string(body, "currentPassword", details);
  if (!details.empty()) throw Error::validation(std::move(details));
  return patch;
}

}  // namespace

void add_routes(http::Router& router, UserService& users, std::vector<std::string> roles) {
  router.add(http::Method::get, "/api/users", [&users](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    http::Principal caller = auth::authenticated(ctx);
    std::vector<std::pair<std::string, std::string>> params(req.query.begin(), req.query.end());
    const UserPage result = co_await users.list(std::move(caller), std::move(params));
    const auto& fields = result.query.fields;
    std::string body = "{\"data\":[";
    for (const auto& u : result.users) {
      if (body.back() != '[') body += ',';
      boost::json::object user = auth::user_json(u);
      if (!fields.empty()) {
        // `fields` keeps only those (and id), as on every list route.
        for (auto it = user.begin(); it != user.end();) {
          const bool keep = it->key() == "id" || std::find(fields.begin(), fields.end(), it->key()) != fields.end();
          it = keep ? std::next(it) : user.erase(it);
        }
      }
      body += boost::json::serialize(user);
    }
    body += "],";
    lists::append_meta(body, result.query, result.page);
    body += '}';
    co_return http::Response::json_text(200, std::move(body));
  }, {.summary = "List users (admins)", .tag = "users", .bearer = true, .response = "UserList", .list = &users_catalog()});

  router.add(http::Method::post, "/api/users", [&users, roles](http::Request&, http::Context& ctx) -> Task<http::Response> {
    http::Principal caller = auth::authenticated(ctx);
    NewUser input = parse_new_user(http::require_json_object(ctx), roles);
    const User user = co_await users.create(std::move(caller), std::move(input));
    http::Response res = http::Response::json(201, auth::user_json(user));
    res.headers.set("Location", "/api/v1/users/" + user.id);
    co_return res;
  }, {.summary = "Create a user with a role (admins)", .tag = "users", .bearer = true, .request = "UserCreate", .response = "User", .status = 201, .errors = {409}});

  router.add(http::Method::get, "/api/users/:id", [&users](http::Request&, http::Context& ctx) -> Task<http::Response> {
    http::Principal caller = auth::authenticated(ctx);
    const User user = co_await users.get(std::move(caller), std::string(ctx.param("id")));
    co_return http::Response::json(200, auth::user_json(user));
  }, {.summary = "A user (admins, or the user themself)", .tag = "users", .bearer = true, .response = "User"});

  auto update = [&users, roles](http::Request&, http::Context& ctx) -> Task<http::Response> {
    http::Principal caller = auth::authenticated(ctx);
    UserPatch patch = parse_patch(http::require_json_object(ctx), roles);
    const User user = co_await users.update(std::move(caller), std::string(ctx.param("id")), std::move(patch));
    co_return http::Response::json(200, auth::user_json(user));
  };
  const http::RouteDoc update_doc{.summary = "Change a user's name, email, password or role (partial)",
                                  .tag = "users",
                                  .bearer = true,
                                  .request = "UserUpdate",
                                  .response = "User",
                                  .errors = {409}};
  router.add(http::Method::put, "/api/users/:id", update, update_doc);
  router.add(http::Method::patch, "/api/users/:id", update, update_doc);

  router.add(http::Method::delete_, "/api/users/:id", [&users](http::Request&, http::Context& ctx) -> Task<http::Response> {
    http::Principal caller = auth::authenticated(ctx);
    co_await users.remove(std::move(caller), std::string(ctx.param("id")));
    co_return http::Response::empty(204);
  }, {.summary = "Delete a user, their sessions and the records they own", .tag = "users", .bearer = true, .status = 204, .errors = {409}});
}

}  // namespace keel::users
