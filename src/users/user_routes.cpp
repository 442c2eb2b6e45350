#include "users/user_routes.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "http/json_body.hpp"
#include "lists/list_page.hpp"
#include "core/password_hasher.hpp"
#include "core/text_rules.hpp"
#include "users/user_json.hpp"
#include "users/user_store.hpp"
#include "users/user_service.hpp"

namespace keel::users {
namespace {

void check_role(const std::optional<std::string>& role, const std::vector<std::string>& declared,
                ErrorDetails& details) {
  if (!role || is_known_role(*role, declared)) return;
  std::string all = "admin, user";
  for (const auto& r : declared) all += ", " + r;
  details["role"] = "must be one of: " + all;
}

// Everything register validates, plus an optional role.
NewUser parse_new_user(const boost::json::object& body, const std::vector<std::string>& declared) {
  ErrorDetails details;
  NewUser user = parse_account(body, {"role"}, details);
  std::optional<std::string> role = http::read_optional_string(body, "role", details);
  check_role(role, declared, details);
  if (!details.empty()) throw Error::validation(std::move(details));
  if (role) user.role = std::move(*role);
  return user;
}

UserPatch parse_patch(const boost::json::object& body, const std::vector<std::string>& declared) {
  ErrorDetails details;
  http::reject_unknown_fields(body, {"email", "password", "name", "role", "currentPassword"}, details);
  UserPatch patch;
  if (auto email = http::read_optional_string(body, "email", details)) {
    if (auto normal = normalise_email(*email)) {
      patch.email = std::move(*normal);
    } else {
      details["email"] = "must be a valid email address";
    }
  }
  if (auto password = http::read_optional_string(body, "password", details)) {
    check_password(*password, details);
    patch.password = std::move(password);
  }
  if (auto name = http::read_optional_string(body, "name", details)) patch.name = check_name(*name, details);
  patch.role = http::read_optional_string(body, "role", details);
  check_role(patch.role, declared, details);
  patch.current_password = http::read_optional_string(body, "currentPassword", details);
  if (!details.empty()) throw Error::validation(std::move(details));
  return patch;
}

// The bodies of API.md §4; `role` is given its enum by add_schemas.
constexpr std::string_view kSchemas = R"json({
  "User": {
    "type": "object", "required": ["id", "email", "name", "role", "emailVerified", "createdAt", "updatedAt"], "additionalProperties": false,
    "properties": {
      "id": {"type": "string", "format": "uuid"}, "email": {"type": "string", "format": "email"},
      "name": {"type": "string"}, "role": {"type": "string"},
      "emailVerified": {"type": "boolean", "description": "the user proved the address theirs (a new address is not)"},
      "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"}}
  },
  "UserCreate": {
    "type": "object", "required": ["email", "password", "name"], "additionalProperties": false,
    "properties": {
      "email": {"$ref": "#/components/schemas/EmailInput"}, "password": {"type": "string", "description": "8 to 72 bytes of UTF-8 (bytes, not characters), without U+0000"},
      "name": {"$ref": "#/components/schemas/NameInput"}, "role": {"type": "string"}},
    "example": {"email": "grace@example.com", "password": "another horse", "name": "Grace", "role": "admin"}
  },
  "UserUpdate": {
    "type": "object", "additionalProperties": false,
    "properties": {
      "email": {"$ref": "#/components/schemas/EmailInput"}, "password": {"type": "string", "description": "8 to 72 bytes of UTF-8 (bytes, not characters), without U+0000"},
      "name": {"$ref": "#/components/schemas/NameInput"}, "role": {"type": "string"},
      "currentPassword": {"type": "string", "description": "required to change your own password"}}
  },
  "UserList": {
    "type": "object", "required": ["data", "meta"], "additionalProperties": false,
    "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/UserListItem"}},
                   "meta": {"$ref": "#/components/schemas/ListMeta"}}
  }
})json";

void add_schemas(openapi::Routes& routes, const std::vector<std::string>& roles) {
  auto schemas = boost::json::parse(kSchemas).as_object();
  boost::json::array all{"admin", "user"};
  for (const auto& r : roles) all.emplace_back(r);
  for (const char* name : {"User", "UserCreate", "UserUpdate"}) {
    schemas[name].as_object()["properties"].as_object()["role"] = boost::json::object{{"type", "string"}, {"enum", all}};
  }
  // List rows: with `fields` only the named keys (and id) are present, so only id is required.
  boost::json::object row = schemas["User"].as_object();
  row["required"] = boost::json::array{"id"};
  row["description"] = "A user in a list: every key, or with `fields` only those named and id";
  schemas["UserListItem"] = std::move(row);
  for (auto& [name, schema] : schemas) routes.add_schema(std::string(name), std::move(schema.as_object()));
}

}  // namespace

void add_routes(openapi::Routes& routes, UserService& users, std::vector<std::string> roles) {
  add_schemas(routes, roles);

  routes.add(http::Method::get, "/api/users", [&users](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    Principal caller = ctx.caller.require();
    std::vector<std::pair<std::string, std::string>> params(req.query.begin(), req.query.end());
    const UserPage result = co_await users.list(std::move(caller), std::move(params));
    const auto& fields = result.query.fields;
    std::string body = lists::render_list(result.users.size(), result.query, result.page, [&](std::string& out, std::size_t i) {
      boost::json::object user = user_json(result.users[i]);
      if (!fields.empty()) {
        // `fields` keeps only those (and id), as on every list route.
        for (auto it = user.begin(); it != user.end();) {
          const bool keep = it->key() == "id" || std::find(fields.begin(), fields.end(), it->key()) != fields.end();
          it = keep ? std::next(it) : user.erase(it);
        }
      }
      out += boost::json::serialize(user);
    });
    co_return http::Response::json_text(200, std::move(body));
  }, {.summary = "List users (admins)", .tag = "users", .bearer = true, .response = "UserList", .list = &users_catalog()});

  routes.add(http::Method::post, "/api/users", [&users, roles](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    Principal caller = ctx.caller.require();
    NewUser input = parse_new_user(http::require_json_object(req), roles);
    const User user = co_await users.create(std::move(caller), std::move(input));
    http::Response res = http::Response::json(201, user_json(user));
    res.headers.set("Location", "/api/v1/users/" + user.id);
    co_return res;
  }, {.summary = "Create a user with a role (admins)", .tag = "users", .bearer = true, .request = "UserCreate", .response = "User", .status = 201, .errors = {409}});

  routes.add(http::Method::get, "/api/users/:id", [&users](http::Request&, http::Context& ctx) -> Task<http::Response> {
    Principal caller = ctx.caller.require();
    const User user = co_await users.get(std::move(caller), std::string(ctx.param("id")));
    co_return http::Response::json(200, user_json(user));
  }, {.summary = "A user (admins, or the user themself)", .tag = "users", .bearer = true, .response = "User"});

  auto update = [&users, roles](http::Request& req, http::Context& ctx) -> Task<http::Response> {
    Principal caller = ctx.caller.require();
    UserPatch patch = parse_patch(http::require_json_object(req), roles);
    const User user = co_await users.update(std::move(caller), std::string(ctx.param("id")), std::move(patch));
    co_return http::Response::json(200, user_json(user));
  };
  const openapi::Operation update_doc{.summary = "Change a user's name, email, password or role (partial)",
                                  .tag = "users",
                                  .bearer = true,
                                  .request = "UserUpdate",
                                  .response = "User",
                                  .errors = {409}};
  routes.add(http::Method::put, "/api/users/:id", update, update_doc);
  routes.add(http::Method::patch, "/api/users/:id", update, update_doc);

  routes.add(http::Method::delete_, "/api/users/:id", [&users](http::Request&, http::Context& ctx) -> Task<http::Response> {
    Principal caller = ctx.caller.require();
    co_await users.remove(std::move(caller), std::string(ctx.param("id")));
    co_return http::Response::empty(204);
  }, {.summary = "Delete a user, their sessions and the records they own", .tag = "users", .bearer = true, .status = 204, .errors = {409}});
}

}  // namespace keel::users
