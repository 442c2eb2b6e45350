#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "core/error.hpp"
#include "users/user.hpp"
#include "users/user_service.hpp"

namespace keel::users {

/// The user object of API.md §3-4.
boost::json::object user_json(const User& user);

/// The same object's text: a user event's data (API.md §9), never a password or hash.
std::string user_event_data(const User& user);

/// The account fields {email, password, name} of a sign-up or an admin's create, checked by
/// the rules every account follows (email normalised, password 8–72 bytes, name 1–100
/// characters trimmed). Every problem, and every key outside the three and `also_known`, is
/// recorded in `details`; the role is left "user".
NewUser parse_account(const boost::json::object& body, std::initializer_list<std::string_view> also_known,
                      ErrorDetails& details);

}  // namespace keel::users
