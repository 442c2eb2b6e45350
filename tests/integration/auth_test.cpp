// API.md §3 (authentication) through real HTTP: token responses, validation, JWTs checked with
// an independent HMAC, forged and expired tokens, refresh rotation with reuse detection, logout,
// rate limits, and what must never reach a response body or the log.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <latch>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include "support/expect.hpp"
#include "support/manual_clock.hpp"
#include "support/test_server.hpp"

namespace keel::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const std::string kSecret = "auth-test-secret-0123456789-abcdefghijklmnop";  // 44 bytes
const std::string kOtherSecret = "some-other-secret-0123456789-abcdefghijklmn";
const std::string kPassword = "correct horse battery staple";

// --- configuration -------------------------------------------------------------------------

/// Fast bcrypt, a known secret, and no per-address rate limit (tests about it set their own).
void auth_config(app::Config& c) {
  c.bcrypt_cost = 4;
  c.jwt_secret = kSecret;
  c.rate_limit_auth = 0;
}

/// auth_config, then the test's own adjustments.
std::function<void(app::Config&)> with(std::function<void(app::Config&)> more) {
  return [more = std::move(more)](app::Config& c) {
    auth_config(c);
    more(c);
  };
}

// --- HTTP helpers --------------------------------------------------------------------------

HeaderList bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

/// A JSON string value as std::string; throws when it is not a string.
std::string text(const json::value& v) { return std::string(v.as_string()); }

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// The parsed body when the status is the expected one; throws (failing the test) otherwise.
json::object expect_body(const HttpResponse& res, int status) {
  if (res.status != status) {
    throw std::runtime_error("expected " + std::to_string(status) + ", got " + std::to_string(res.status) + ": " +
                             res.body);
  }
  return res.json().as_object();
}

HttpResponse post_json(HttpClient& client, std::string_view path, const json::object& body,
                       const HeaderList& headers = {}) {
  return client.post(path, json::serialize(body), headers);
}

/// Registers a user and returns the token response; throws unless it is a 201.
json::object register_user(HttpClient& client, const std::string& email, const std::string& password = kPassword,
                           const std::string& name = "Ada Lovelace") {
  return expect_body(
      post_json(client, "/api/auth/register", {{"email", email}, {"password", password}, {"name", name}}), 201);
}

HttpResponse login(HttpClient& client, const std::string& email, const std::string& password = kPassword) {
  return post_json(client, "/api/auth/login", {{"email", email}, {"password", password}});
}

HttpResponse refresh(HttpClient& client, const std::string& refresh_token) {
  return post_json(client, "/api/auth/refresh", {{"refreshToken", refresh_token}});
}

HttpResponse me(HttpClient& client, const std::string& access_token) {
  return client.get("/api/auth/me", bearer(access_token));
}

HttpResponse logout(HttpClient& client, const std::string& access_token) {
  return client.post("/api/auth/logout", "", bearer(access_token));
}

/// The `error` object of an error response.
json::object error_of(const HttpResponse& res) { return res.json().at("error").as_object(); }

/// Checks that the error body's `details` names `field`.
void expect_detail(const HttpResponse& res, const std::string& field) {
  json::value body;
  ASSERT_NO_THROW(body = res.json()) << res.body;
  const json::value* error = body.is_object() ? body.as_object().if_contains("error") : nullptr;
  const json::value* details = error && error->is_object() ? error->as_object().if_contains("details") : nullptr;
  ASSERT_TRUE(details && details->is_object()) << res.body;
  EXPECT_TRUE(details->as_object().contains(field)) << "details should name " << field << ": " << res.body;
}

// --- shape checks --------------------------------------------------------------------------

bool is_uuid_v7(const std::string& s) {
  static const std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  return std::regex_match(s, re);
}

bool is_rfc3339_millis(const std::string& s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
  return std::regex_match(s, re);
}

/// The §4 user object: exactly these seven keys, never a password or hash; a new account's
/// address is not verified yet.
void expect_user_object(const json::value& value) {
  ASSERT_TRUE(value.is_object()) << value;
  const json::object& user = value.as_object();
  EXPECT_EQ(user.size(), 7u) << "exactly id, email, name, role, emailVerified, createdAt, updatedAt: " << value;
  for (const char* key : {"id", "email", "name", "role", "createdAt", "updatedAt"}) {
    ASSERT_TRUE(user.contains(key) && user.at(key).is_string()) << key << " in " << value;
  }
  ASSERT_TRUE(user.contains("emailVerified") && user.at("emailVerified").is_bool()) << value;
  EXPECT_FALSE(user.at("emailVerified").as_bool()) << value;
  const std::string id = text(user.at("id"));
  EXPECT_EQ(id.size(), 36u) << id;
  EXPECT_TRUE(is_uuid_v7(id)) << id;
  EXPECT_EQ(user.at("role").as_string(), "user");
  EXPECT_TRUE(is_rfc3339_millis(text(user.at("createdAt")))) << value;
  EXPECT_TRUE(is_rfc3339_millis(text(user.at("updatedAt")))) << value;
}

/// The §3 token response: exactly these five keys, a three-part JWT, a long opaque refresh token.
void expect_token_response(const json::object& body, std::int64_t expires_in) {
  EXPECT_EQ(body.size(), 5u) << "exactly user, accessToken, refreshToken, tokenType, expiresIn: " << body;
  ASSERT_TRUE(body.contains("user")) << body;
  expect_user_object(body.at("user"));
  ASSERT_TRUE(body.contains("accessToken") && body.at("accessToken").is_string()) << body;
  ASSERT_TRUE(body.contains("refreshToken") && body.at("refreshToken").is_string()) << body;
  ASSERT_TRUE(body.contains("tokenType") && body.at("tokenType").is_string()) << body;
  ASSERT_TRUE(body.contains("expiresIn") && body.at("expiresIn").is_number()) << body;
  const std::string access = text(body.at("accessToken"));
  EXPECT_EQ(std::count(access.begin(), access.end(), '.'), 2) << access;
  EXPECT_GE(body.at("refreshToken").as_string().size(), 43u) << "at least 256 bits";
  EXPECT_EQ(body.at("tokenType").as_string(), "Bearer");
  EXPECT_EQ(body.at("expiresIn").to_number<std::int64_t>(), expires_in);
}

// --- JWT, built and checked independently of the server ------------------------------------

std::string base64url_encode(std::string_view bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char ch : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3F];
  return out;  // unpadded, as JWTs are
}

/// Decodes unpadded base64url; nullopt for any character outside that alphabet (padding too).
std::optional<std::string> base64url_decode(std::string_view encoded) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char ch : encoded) {
    std::uint32_t v = 0;
    if (ch >= 'A' && ch <= 'Z') {
      v = static_cast<std::uint32_t>(ch - 'A');
    } else if (ch >= 'a' && ch <= 'z') {
      v = static_cast<std::uint32_t>(ch - 'a' + 26);
    } else if (ch >= '0' && ch <= '9') {
      v = static_cast<std::uint32_t>(ch - '0' + 52);
    } else if (ch == '-') {
      v = 62;
    } else if (ch == '_') {
      v = 63;
    } else {
      return std::nullopt;
    }
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac.data(), &size);
  return std::string(reinterpret_cast<const char*>(mac.data()), size);
}

struct Jwt {
  std::string header_part;
  std::string payload_part;
  std::string signature_part;
  json::object header;
  json::object claims;
};

/// Splits and decodes a compact JWT; throws when it is not three base64url parts of JSON objects.
Jwt decode_jwt(const std::string& token) {
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? std::string::npos : token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) {
    throw std::runtime_error("not a three-part JWT: " + token);
  }
  Jwt jwt{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1), {}, {}};
  const auto header = base64url_decode(jwt.header_part);
  const auto payload = base64url_decode(jwt.payload_part);
  if (!header || !payload) throw std::runtime_error("JWT part is not unpadded base64url: " + token);
  jwt.header = json::parse(*header).as_object();
  jwt.claims = json::parse(*payload).as_object();
  return jwt;
}

json::object hs256_header() { return {{"alg", "HS256"}, {"typ", "JWT"}}; }

std::string encode_part(const json::object& part) { return base64url_encode(json::serialize(part)); }

/// A compact JWT of `header` and `claims`, signed with HMAC-SHA256 under `secret`.
std::string sign_jwt(const json::object& header, const json::object& claims, std::string_view secret) {
  const std::string input = encode_part(header) + "." + encode_part(claims);
  return input + "." + base64url_encode(hmac_sha256(secret, input));
}

/// A syntactically valid address of exactly `length` chars (a 64-char local part, labels of at
/// most 63 chars); meant for lengths around the 254-char limit.
std::string email_of_length(std::size_t length) {
  const std::string local = std::string(64, 'a') + "@";
  std::size_t remaining = length - local.size() - 4;  // 4 for ".com"
  std::string domain;
  while (remaining > 0) {
    if (!domain.empty()) {
      domain += '.';
      --remaining;
    }
    const std::size_t label = std::min<std::size_t>(remaining, 63);
    domain.append(label, 'b');
    remaining -= label;
  }
  return local + domain + ".com";
}

// --- register ------------------------------------------------------------------------------

TEST(Auth, RegisterReturnsTokensAndUser) {
  TestServer server(with([](app::Config& c) { c.access_token_ttl = 600s; }));
  HttpClient client = server.client();
  const HttpResponse res = post_json(client, "/api/auth/register",
                                     {{"email", "  Ada.Lovelace@Example.COM "}, {"password", kPassword},
                                      {"name", "Ada Lovelace"}});
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.header("Content-Type"), "application/json; charset=utf-8");
  const json::object body = res.json().as_object();
  expect_token_response(body, 600);
  const json::object& user = body.at("user").as_object();
  EXPECT_EQ(user.at("email").as_string(), "ada.lovelace@example.com") << "trimmed and stored lowercase";
  EXPECT_EQ(user.at("name").as_string(), "Ada Lovelace");
  EXPECT_EQ(user.at("role").as_string(), "user");

  for (const char* leak : {"password", "Password", "$2b$", "$2a$", "$2y$", kPassword.c_str()}) {
    EXPECT_EQ(res.body.find(leak), std::string::npos) << leak << " in " << res.body;
  }
  std::string user_text = json::serialize(user);
  std::transform(user_text.begin(), user_text.end(), user_text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  EXPECT_EQ(user_text.find("hash"), std::string::npos) << user_text;
}

TEST(Auth, RegisterRejectsInvalidFieldsNamingThem) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object valid = {{"email", "valid@example.com"}, {"password", kPassword}, {"name", "Ada"}};
  const auto with_field = [&](std::string_view key, json::value value) {
    json::object o = valid;
    o[key] = std::move(value);
    return json::serialize(o);
  };
  const auto without = [&](std::string_view key) {
    json::object o = valid;
    o.erase(key);
    return json::serialize(o);
  };
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes of UTF-8
  std::string utf8_73_bytes;
  for (int i = 0; i < 24; ++i) utf8_73_bytes += euro;
  utf8_73_bytes += "a";

  struct Case {
    std::string name;
    std::string body;
    std::string field;  // the key `details` must name
  };
  const std::vector<Case> cases = {
      {"email not an address", with_field("email", "not-an-email"), "email"},
      {"email without a domain", with_field("email", "ada@"), "email"},
      {"email without a local part", with_field("email", "@example.com"), "email"},
      {"email with a space inside", with_field("email", "ada lovelace@example.com"), "email"},
      {"email empty", with_field("email", ""), "email"},
      {"email over 254 chars", with_field("email", json::string(email_of_length(255))), "email"},
      {"email missing", without("email"), "email"},
      {"email null", with_field("email", nullptr), "email"},
      {"email not a string", with_field("email", 42), "email"},
      {"password 7 bytes", with_field("password", "1234567"), "password"},
      {"password 73 bytes", with_field("password", json::string(std::string(73, 'p'))), "password"},
      {"password 73 bytes of multi-byte UTF-8", with_field("password", json::string(utf8_73_bytes)), "password"},
      {"password empty", with_field("password", ""), "password"},
      {"password missing", without("password"), "password"},
      {"password not a string", with_field("password", 12345678), "password"},
      {"name empty", with_field("name", ""), "name"},
      {"name whitespace only", with_field("name", "   \t  "), "name"},
      {"name 101 chars", with_field("name", json::string(std::string(101, 'n'))), "name"},
      {"name missing", without("name"), "name"},
      {"name not a string", with_field("name", true), "name"},
      {"unknown field", with_field("nickname", "ada"), "nickname"},
      {"role is not a register field", with_field("role", "admin"), "role"},
  };
  ASSERT_EQ(email_of_length(255).size(), 255u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const HttpResponse res = client.post("/api/auth/register", c.body);
    expect_error(res, 400, "VALIDATION_ERROR");
    expect_detail(res, c.field);
  }

  struct Malformed {
    std::string name;
    std::string body;
    HeaderList headers;
    int status;
    std::string code;
  };
  const std::vector<Malformed> malformed = {
      {"broken JSON", R"({"email":)", {}, 400, "INVALID_JSON"},
      {"not JSON at all", "email=a@b.co&password=x", {{"Content-Type", "application/json"}}, 400, "INVALID_JSON"},
      {"a JSON array", "[1,2]", {}, 400, "INVALID_JSON"},
      {"a JSON string", R"("ada@example.com")", {}, 400, "INVALID_JSON"},
      {"empty body", "", {{"Content-Type", "application/json"}}, 400, "INVALID_JSON"},
      {"form content type", "email=a%40b.co", {{"Content-Type", "application/x-www-form-urlencoded"}}, 415,
       "UNSUPPORTED_MEDIA_TYPE"},
      {"text content type", json::serialize(valid), {{"Content-Type", "text/plain"}}, 415, "UNSUPPORTED_MEDIA_TYPE"},
  };
  for (const auto& m : malformed) {
    SCOPED_TRACE(m.name);
    expect_error(client.post("/api/auth/register", m.body, m.headers), m.status, m.code);
  }

  // None of the above created the user: the valid body still registers.
  EXPECT_EQ(client.post("/api/auth/register", json::serialize(valid)).status, 201);
}

TEST(Auth, RegisterAcceptsValuesAtTheLimits) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  std::string utf8_72_bytes;
  for (int i = 0; i < 24; ++i) utf8_72_bytes += "\xE2\x82\xAC";

  struct Case {
    std::string name;
    std::string email;
    std::string password;
    std::string display_name;
  };
  const std::vector<Case> cases = {
      {"password of 8 bytes", "eight@example.com", "12345678", "Ada"},
      {"password of 72 bytes", "seventy-two@example.com", std::string(72, 'p'), "Ada"},
      {"password of 72 bytes of multi-byte UTF-8", "utf8@example.com", utf8_72_bytes, "Ada"},
      {"name of 1 char", "one-char@example.com", kPassword, "A"},
      {"name of 100 chars", "hundred@example.com", kPassword, std::string(100, 'n')},
      {"name of 100 chars inside spaces", "padded@example.com", kPassword, "  " + std::string(100, 'n') + "  "},
      {"email of 254 chars", email_of_length(254), kPassword, "Ada"},
  };
  ASSERT_EQ(email_of_length(254).size(), 254u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const HttpResponse res = post_json(client, "/api/auth/register",
                                       {{"email", c.email}, {"password", c.password}, {"name", c.display_name}});
    EXPECT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(login(client, c.email, c.password).status, 200) << "the whole password was kept";
  }
}

TEST(Auth, PasswordOver72BytesIsRefusedNeverTruncated) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const std::string p72(72, 'x');
  const std::string p73 = p72 + "y";

  const HttpResponse refused = post_json(client, "/api/auth/register",
                                         {{"email", "long@example.com"}, {"password", p73}, {"name", "Long"}});
  expect_error(refused, 400, "VALIDATION_ERROR");
  expect_detail(refused, "password");

  // The refusal left nothing behind, and a 73-byte password never matches its 72-byte prefix.
  register_user(client, "long@example.com", p72);
  const HttpResponse longer = login(client, "long@example.com", p73);
  EXPECT_NE(longer.status, 200) << "bcrypt must not silently drop the 73rd byte";
  EXPECT_TRUE(longer.status == 400 || longer.status == 401) << longer.body;
  EXPECT_EQ(login(client, "long@example.com", p72).status, 200);
}

// bcrypt reads a C string: a NUL would end the password early. Such a password is refused when
// it is set, and at login it is a mismatch, never its truncation (API.md §3-4).
TEST(Auth, PasswordsWithNulAreRefusedAndNeverMatchTheirTruncation) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const std::string eight_nuls(8, '\0');
  const std::string embedded = std::string("abc") + '\0' + "defgh";
  for (const std::string& password : {eight_nuls, embedded}) {
    const HttpResponse refused = post_json(client, "/api/auth/register",
                                           {{"email", "nul@example.com"}, {"password", password}, {"name", "Nul"}});
    expect_error(refused, 400, "VALIDATION_ERROR");
    expect_detail(refused, "password");
  }
  expect_error(login(client, "nul@example.com", eight_nuls), 401, "INVALID_CREDENTIALS");

  // A real account whose password is the text before the NUL: the NUL'd one doesn't open it.
  register_user(client, "abc@example.com", "abcdefgh");
  expect_error(login(client, "abc@example.com", std::string("abcdefgh") + '\0'), 401, "INVALID_CREDENTIALS");
  expect_error(login(client, "abc@example.com", std::string("abcdefgh") + '\0' + "xyz"), 401, "INVALID_CREDENTIALS");
  EXPECT_EQ(login(client, "abc@example.com", "abcdefgh").status, 200);

  // Changing a password to one with a NUL is refused too.
  const json::object reg = register_user(client, "change@example.com");
  const std::string id = text(reg.at("user").at("id"));
  const HttpResponse change = client.request(
      "PATCH", "/api/users/" + id, json::serialize(json::object{{"password", embedded}, {"currentPassword", kPassword}}),
      bearer(text(reg.at("accessToken"))));
  expect_error(change, 400, "VALIDATION_ERROR");
  expect_detail(change, "password");
  EXPECT_EQ(login(client, "change@example.com").status, 200);
}

TEST(Auth, RegisterRefusesATakenEmailCaseInsensitively) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  register_user(client, "grace@example.com");
  for (const char* email : {"grace@example.com", "  GRACE@Example.COM  ", "Grace@example.com"}) {
    SCOPED_TRACE(email);
    const HttpResponse res =
        post_json(client, "/api/auth/register", {{"email", email}, {"password", kPassword}, {"name", "Grace"}});
    expect_error(res, 409, "CONFLICT");
    expect_detail(res, "email");
  }
  // The first account is untouched.
  EXPECT_EQ(login(client, "grace@example.com").status, 200);
}

// --- login ---------------------------------------------------------------------------------

TEST(Auth, LoginReturnsATokenResponseForANewSession) {
  TestServer server(auth_config);  // default ACCESS_TOKEN_TTL: 900 s
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const json::object body = expect_body(login(client, "ada@example.com"), 200);
  expect_token_response(body, 900);
  EXPECT_EQ(body.at("user"), reg.at("user"));
  EXPECT_NE(body.at("refreshToken"), reg.at("refreshToken"));
  EXPECT_NE(body.at("accessToken"), reg.at("accessToken"));
  EXPECT_NE(decode_jwt(text(body.at("accessToken"))).claims.at("sid"),
            decode_jwt(text(reg.at("accessToken"))).claims.at("sid"))
      << "each login is its own session";
  EXPECT_EQ(me(client, text(body.at("accessToken"))).status, 200);
  EXPECT_EQ(me(client, text(reg.at("accessToken"))).status, 200);
}

TEST(Auth, LoginEmailIsTrimmedAndCaseInsensitive) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const json::object body = expect_body(login(client, "  ADA@Example.com "), 200);
  EXPECT_EQ(body.at("user").at("id"), reg.at("user").at("id"));
}

TEST(Auth, WrongPasswordAndUnknownEmailGetTheSameAnswer) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  register_user(client, "ada@example.com");

  const HttpResponse wrong = login(client, "ada@example.com", "wrong password!");
  const HttpResponse unknown = login(client, "nobody@example.com", kPassword);
  const HttpResponse wrong_case = login(client, "ada@example.com", "CORRECT HORSE BATTERY STAPLE");
  expect_error(wrong, 401, "INVALID_CREDENTIALS");
  expect_error(unknown, 401, "INVALID_CREDENTIALS");
  expect_error(wrong_case, 401, "INVALID_CREDENTIALS");

  // Nothing tells the two apart: same message, same details (none, or the same), only the id differs.
  json::object a = error_of(wrong);
  json::object b = error_of(unknown);
  a.erase("requestId");
  b.erase("requestId");
  EXPECT_EQ(a, b);
}

TEST(Auth, LoginRejectsMalformedBodies) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  struct Case {
    std::string name;
    std::string body;
    HeaderList headers;
    int status;
    std::string code;
    std::string field;  // named in details, or ""
  };
  const std::vector<Case> cases = {
      {"empty object", "{}", {}, 400, "VALIDATION_ERROR", ""},
      {"password missing", R"({"email":"ada@example.com"})", {}, 400, "VALIDATION_ERROR", "password"},
      {"email missing", R"({"password":"correct horse"})", {}, 400, "VALIDATION_ERROR", "email"},
      {"email not a string", R"({"email":7,"password":"correct horse"})", {}, 400, "VALIDATION_ERROR", "email"},
      {"unknown field", R"({"email":"ada@example.com","password":"correct horse","remember":true})", {}, 400,
       "VALIDATION_ERROR", "remember"},
      {"broken JSON", R"({"email")", {}, 400, "INVALID_JSON", ""},
      {"text content type", R"({"email":"ada@example.com","password":"x"})", {{"Content-Type", "text/plain"}}, 415,
       "UNSUPPORTED_MEDIA_TYPE", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const HttpResponse res = client.post("/api/auth/login", c.body, c.headers);
    expect_error(res, c.status, c.code);
    if (!c.field.empty()) expect_detail(res, c.field);
  }
}

TEST(Auth, UnknownEmailCostsAsMuchAsAWrongPassword) {
  // A real bcrypt cost, so that hashing dominates the timing.
  TestServer server(with([](app::Config& c) {
    c.bcrypt_cost = 10;
    c.login_max_failures = 100;
  }));
  HttpClient client = server.client();
  register_user(client, "ada@example.com");
  const auto time_login = [&](const std::string& email, const std::string& password) {
    const auto start = std::chrono::steady_clock::now();
    const HttpResponse res = login(client, email, password);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(res.status, 401) << res.body;
    return std::chrono::duration<double, std::milli>(elapsed).count();
  };
  std::vector<double> wrong;
  std::vector<double> unknown;
  for (int i = 0; i < 5; ++i) {
    wrong.push_back(time_login("ada@example.com", "wrong password!"));
    unknown.push_back(time_login("nobody-" + std::to_string(i) + "@example.com", kPassword));
  }
  std::sort(wrong.begin(), wrong.end());
  std::sort(unknown.begin(), unknown.end());
  const double wrong_ms = wrong[2];
  const double unknown_ms = unknown[2];
  if (wrong_ms < 5) GTEST_SKIP() << "bcrypt cost 10 takes only " << wrong_ms << " ms here: too fast to compare";
  EXPECT_GE(unknown_ms * 3, wrong_ms) << "median unknown email " << unknown_ms << " ms, wrong password " << wrong_ms
                                      << " ms: an unknown email must still pay for a hash";
}

// --- me ------------------------------------------------------------------------------------

TEST(Auth, MeReturnsTheSignedInUser) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const HttpResponse res = me(client, text(reg.at("accessToken")));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("Content-Type"), "application/json; charset=utf-8");
  expect_user_object(res.json());
  EXPECT_EQ(res.json(), reg.at("user"));
}

TEST(Auth, MeRefusesMissingOrMalformedAuthorization) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const std::string token = text(register_user(client, "ada@example.com").at("accessToken"));
  const Jwt jwt = decode_jwt(token);

  struct Case {
    std::string name;
    HeaderList headers;
  };
  const std::vector<Case> cases = {
      {"no Authorization header", {}},
      {"empty Authorization header", {{"Authorization", ""}}},
      {"scheme without a token", {{"Authorization", "Bearer"}}},
      {"Bearer garbage", {{"Authorization", "Bearer garbage"}}},
      {"three parts of nonsense", {{"Authorization", "Bearer a.b.c"}}},
      {"token without the scheme", {{"Authorization", token}}},
      {"another scheme", {{"Authorization", "Token " + token}}},
      {"Basic credentials", {{"Authorization", "Basic YWRhQGV4YW1wbGUuY29tOnNlY3JldA=="}}},
      {"signature dropped", {{"Authorization", "Bearer " + jwt.header_part + "." + jwt.payload_part + "."}}},
      {"two parts", {{"Authorization", "Bearer " + jwt.header_part + "." + jwt.payload_part}}},
      {"four parts", {{"Authorization", "Bearer " + token + "." + jwt.signature_part}}},
      {"signature with an extra char", {{"Authorization", "Bearer " + token + "A"}}},
      {"payload not JSON",
       {{"Authorization",
         "Bearer " + jwt.header_part + "." + base64url_encode("not json") + "." + jwt.signature_part}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    expect_error(client.get("/api/auth/me", c.headers), 401, "UNAUTHORIZED");
  }
  EXPECT_EQ(me(client, token).status, 200) << "the genuine token still works";
}

// --- the access token itself ---------------------------------------------------------------

TEST(Auth, AccessTokenIsAnHs256JwtWithTheDocumentedClaims) {
  TestServer server(with([](app::Config& c) {
    c.jwt_issuer = "keel-auth-test";
    c.access_token_ttl = 1234s;
  }));
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const std::string token = text(reg.at("accessToken"));
  EXPECT_EQ(token.find('='), std::string::npos) << "JWT parts are unpadded base64url";
  const Jwt jwt = decode_jwt(token);

  // Signature: HMAC-SHA256 over "header.payload" with the UTF-8 bytes of JWT_SECRET.
  EXPECT_EQ(jwt.signature_part, base64url_encode(hmac_sha256(kSecret, jwt.header_part + "." + jwt.payload_part)));

  ASSERT_TRUE(jwt.header.contains("alg")) << jwt.header;
  EXPECT_EQ(jwt.header.at("alg"), "HS256");
  if (jwt.header.contains("typ")) {
    EXPECT_EQ(jwt.header.at("typ"), "JWT");
  }

  const json::object& claims = jwt.claims;
  for (const char* key : {"iss", "sub", "role", "sid", "jti", "iat", "exp"}) {
    ASSERT_TRUE(claims.contains(key)) << key << " in " << claims;
  }
  EXPECT_EQ(claims.at("iss"), "keel-auth-test");
  EXPECT_EQ(claims.at("sub"), reg.at("user").at("id"));
  EXPECT_EQ(claims.at("role"), "user");
  ASSERT_TRUE(claims.at("sid").is_string() && claims.at("jti").is_string()) << claims;
  EXPECT_FALSE(claims.at("sid").as_string().empty());
  EXPECT_FALSE(claims.at("jti").as_string().empty());
  ASSERT_TRUE(claims.at("iat").is_number() && claims.at("exp").is_number()) << claims;
  const auto iat = claims.at("iat").to_number<std::int64_t>();
  const auto exp = claims.at("exp").to_number<std::int64_t>();
  EXPECT_EQ(exp - iat, 1234);
  EXPECT_NEAR(static_cast<double>(iat), static_cast<double>(now_seconds()), 60.0) << "iat is in seconds, now";

  // Every token has its own jti; one session keeps its sid.
  const json::object other = expect_body(login(client, "ada@example.com"), 200);
  EXPECT_NE(decode_jwt(text(other.at("accessToken"))).claims.at("jti"), claims.at("jti"));
}

TEST(Auth, ForgedTokensAreRefused) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const Jwt real = decode_jwt(text(reg.at("accessToken")));

  // Control: re-signing the genuine claims with the right secret is accepted, so the refusals
  // below are about what each case changes, not about how this test builds tokens.
  ASSERT_EQ(me(client, sign_jwt(hs256_header(), real.claims, kSecret)).status, 200);

  json::object admin = real.claims;
  admin["role"] = "admin";
  json::object other_issuer = real.claims;
  other_issuer["iss"] = "other";
  json::object no_sid = real.claims;
  no_sid.erase("sid");
  json::object no_exp = real.claims;
  no_exp.erase("exp");
  json::object expired = real.claims;
  expired["iat"] = now_seconds() - 1000;
  expired["exp"] = now_seconds() - 100;
  const json::object alg_none = {{"alg", "none"}, {"typ", "JWT"}};
  const json::object alg_hs512 = {{"alg", "HS512"}, {"typ", "JWT"}};

  struct Case {
    std::string name;
    std::string token;
  };
  const std::vector<Case> cases = {
      {"signed with another secret", sign_jwt(hs256_header(), real.claims, kOtherSecret)},
      {"alg none, empty signature", encode_part(alg_none) + "." + real.payload_part + "."},
      {"alg none, original signature", encode_part(alg_none) + "." + real.payload_part + "." + real.signature_part},
      {"header claims HS512", sign_jwt(alg_hs512, real.claims, kSecret)},
      {"payload tampered (role admin), signature kept",
       real.header_part + "." + encode_part(admin) + "." + real.signature_part},
      {"role admin, signed with another secret", sign_jwt(hs256_header(), admin, kOtherSecret)},
      {"wrong issuer, correctly signed", sign_jwt(hs256_header(), other_issuer, kSecret)},
      {"no sid, correctly signed", sign_jwt(hs256_header(), no_sid, kSecret)},
      {"no exp, correctly signed", sign_jwt(hs256_header(), no_exp, kSecret)},
      {"expired and signed with another secret", sign_jwt(hs256_header(), expired, kOtherSecret)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    expect_error(me(client, c.token), 401, "UNAUTHORIZED");
  }
}

TEST(Auth, ExpiredTokenIsTokenExpired) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const Jwt real = decode_jwt(text(reg.at("accessToken")));
  json::object claims = real.claims;  // the real iss, sub, role and sid
  claims["jti"] = "hand-made-expired-token";
  claims["iat"] = now_seconds() - 1000;
  claims["exp"] = now_seconds() - 100;
  const std::string token = sign_jwt(hs256_header(), claims, kSecret);
  expect_error(me(client, token), 401, "TOKEN_EXPIRED");
  expect_error(logout(client, token), 401, "TOKEN_EXPIRED");
}

TEST(Auth, AccessTokenExpiresAfterItsTtlAndRefreshStillWorks) {
  ManualClock clock;
  TestServer server(with([](app::Config& c) { c.access_token_ttl = 1s; }), {}, clock);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  EXPECT_EQ(reg.at("expiresIn").to_number<std::int64_t>(), 1);
  EXPECT_EQ(me(client, text(reg.at("accessToken"))).status, 200);
  clock.advance(1100ms);  // exp has one-second resolution: past it whatever the start's fraction
  expect_error(me(client, text(reg.at("accessToken"))), 401, "TOKEN_EXPIRED");
  // The refresh token has its own, longer lifetime.
  const json::object renewed = expect_body(refresh(client, text(reg.at("refreshToken"))), 200);
  expect_token_response(renewed, 1);
}

// --- refresh -------------------------------------------------------------------------------

TEST(Auth, RefreshRotatesTheRefreshToken) {
  TestServer server(with([](app::Config& c) { c.access_token_ttl = 600s; }));
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const json::object body = expect_body(refresh(client, text(reg.at("refreshToken"))), 200);
  expect_token_response(body, 600);
  EXPECT_EQ(body.at("user"), reg.at("user"));
  EXPECT_NE(body.at("refreshToken"), reg.at("refreshToken"));
  EXPECT_NE(body.at("accessToken"), reg.at("accessToken"));

  const Jwt before = decode_jwt(text(reg.at("accessToken")));
  const Jwt after = decode_jwt(text(body.at("accessToken")));
  EXPECT_EQ(after.claims.at("sid"), before.claims.at("sid")) << "a refresh continues the session";
  EXPECT_EQ(after.claims.at("sub"), before.claims.at("sub"));
  EXPECT_NE(after.claims.at("jti"), before.claims.at("jti"));

  EXPECT_EQ(me(client, text(body.at("accessToken"))).status, 200);
  EXPECT_EQ(me(client, text(reg.at("accessToken"))).status, 200) << "the old access token lives until its exp";
  // The new refresh token is the one to use next.
  const json::object next = expect_body(refresh(client, text(body.at("refreshToken"))), 200);
  EXPECT_NE(next.at("refreshToken"), body.at("refreshToken"));
}

TEST(Auth, ReusingTheReplacedTokenWithinTheGraceReturnsTheCurrentOne) {
  TestServer server(auth_config);  // REFRESH_REUSE_INTERVAL: 10 s
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const std::string r1 = text(reg.at("refreshToken"));
  const json::object first = expect_body(refresh(client, r1), 200);
  const json::object again = expect_body(refresh(client, r1), 200);
  expect_token_response(again, 900);
  EXPECT_EQ(again.at("refreshToken"), first.at("refreshToken")) << "the session's current refresh token";
  EXPECT_NE(again.at("accessToken"), first.at("accessToken")) << "a new access token";
  EXPECT_EQ(decode_jwt(text(again.at("accessToken"))).claims.at("sid"),
            decode_jwt(text(first.at("accessToken"))).claims.at("sid"));
  EXPECT_EQ(me(client, text(again.at("accessToken"))).status, 200);
  EXPECT_EQ(me(client, text(first.at("accessToken"))).status, 200);

  // The grace reuse neither rotated nor revoked: the current token still refreshes, once.
  const json::object next = expect_body(refresh(client, text(first.at("refreshToken"))), 200);
  EXPECT_NE(next.at("refreshToken"), first.at("refreshToken"));
  EXPECT_EQ(me(client, text(next.at("accessToken"))).status, 200);
}

TEST(Auth, ConcurrentRefreshesWithOneTokenBothSucceedWithTheSameToken) {
  TestServer server(with([](app::Config& c) {
    c.threads = 2;
    c.blocking_threads = 4;
  }));
  HttpClient client = server.client();
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const json::object reg = register_user(client, "tab-" + std::to_string(round) + "@example.com");
    const std::string token = text(reg.at("refreshToken"));

    std::array<HttpResponse, 2> results;
    std::latch start(2);
    std::vector<std::thread> tabs;
    for (std::size_t i = 0; i < results.size(); ++i) {
      tabs.emplace_back([&, i] {
        try {
          HttpClient own(server.port());
          start.arrive_and_wait();
          results[i] = refresh(own, token);
        } catch (const std::exception& e) {
          results[i].body = e.what();  // status stays 0
        }
      });
    }
    for (auto& t : tabs) t.join();

    ASSERT_EQ(results[0].status, 200) << results[0].body;
    ASSERT_EQ(results[1].status, 200) << results[1].body;
    const json::object a = results[0].json().as_object();
    const json::object b = results[1].json().as_object();
    EXPECT_EQ(a.at("refreshToken"), b.at("refreshToken")) << "both tabs carry the session's one current token";
    EXPECT_NE(a.at("refreshToken"), reg.at("refreshToken"));
    EXPECT_EQ(me(client, text(a.at("accessToken"))).status, 200);
    EXPECT_EQ(me(client, text(b.at("accessToken"))).status, 200);
    // The session survived the race: its current token refreshes.
    EXPECT_EQ(refresh(client, text(a.at("refreshToken"))).status, 200);
  }
}

TEST(Auth, ReusingTheReplacedTokenAfterTheGraceRevokesTheSession) {
  ManualClock clock;
  TestServer server(with([](app::Config& c) { c.refresh_reuse_interval = 1s; }), {}, clock);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const json::object other_session = expect_body(login(client, "ada@example.com"), 200);
  const json::object first = expect_body(refresh(client, text(reg.at("refreshToken"))), 200);

  clock.advance(1100ms);
  expect_error(refresh(client, text(reg.at("refreshToken"))), 401, "UNAUTHORIZED");

  // The whole session is gone: its current refresh token and every access token with its sid.
  expect_error(refresh(client, text(first.at("refreshToken"))), 401, "UNAUTHORIZED");
  expect_error(me(client, text(first.at("accessToken"))), 401, "UNAUTHORIZED");
  expect_error(me(client, text(reg.at("accessToken"))), 401, "UNAUTHORIZED");
  // Only that session: the user's other one is untouched.
  EXPECT_EQ(me(client, text(other_session.at("accessToken"))).status, 200);
  EXPECT_EQ(refresh(client, text(other_session.at("refreshToken"))).status, 200);
}

TEST(Auth, ReusingAnOlderTokenRevokesTheSessionEvenWithinTheGrace) {
  TestServer server(auth_config);  // REFRESH_REUSE_INTERVAL: 10 s, so only age matters here
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const json::object second = expect_body(refresh(client, text(reg.at("refreshToken"))), 200);
  const json::object third = expect_body(refresh(client, text(second.at("refreshToken"))), 200);

  // reg's token is two refreshes back: older than the one just replaced.
  expect_error(refresh(client, text(reg.at("refreshToken"))), 401, "UNAUTHORIZED");

  expect_error(refresh(client, text(third.at("refreshToken"))), 401, "UNAUTHORIZED");
  // A revoked session accepts no refresh token, grace or not.
  expect_error(refresh(client, text(second.at("refreshToken"))), 401, "UNAUTHORIZED");
  expect_error(me(client, text(third.at("accessToken"))), 401, "UNAUTHORIZED");
  expect_error(me(client, text(reg.at("accessToken"))), 401, "UNAUTHORIZED");
}

TEST(Auth, WithoutAGraceAnyReuseRevokesTheSession) {
  TestServer server(with([](app::Config& c) { c.refresh_reuse_interval = 0s; }));
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const json::object first = expect_body(refresh(client, text(reg.at("refreshToken"))), 200);
  expect_error(refresh(client, text(reg.at("refreshToken"))), 401, "UNAUTHORIZED");
  expect_error(refresh(client, text(first.at("refreshToken"))), 401, "UNAUTHORIZED");
  expect_error(me(client, text(first.at("accessToken"))), 401, "UNAUTHORIZED");
}

TEST(Auth, RefreshRefusesUnknownAndMissingTokens) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");

  expect_error(refresh(client, std::string(43, 'A')), 401, "UNAUTHORIZED");
  expect_error(refresh(client, "not-a-token"), 401, "UNAUTHORIZED");
  // An access token is not a refresh token.
  expect_error(refresh(client, text(reg.at("accessToken"))), 401, "UNAUTHORIZED");

  const HttpResponse missing = client.post("/api/auth/refresh", "{}");
  expect_error(missing, 400, "VALIDATION_ERROR");
  expect_detail(missing, "refreshToken");
  const HttpResponse wrong_type = client.post("/api/auth/refresh", R"({"refreshToken":42})");
  expect_error(wrong_type, 400, "VALIDATION_ERROR");
  expect_detail(wrong_type, "refreshToken");
  const HttpResponse unknown_field =
      client.post("/api/auth/refresh", R"({"refreshToken":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","x":1})");
  expect_error(unknown_field, 400, "VALIDATION_ERROR");
  expect_detail(unknown_field, "x");
  expect_error(client.post("/api/auth/refresh", "[]"), 400, "INVALID_JSON");
  expect_error(client.post("/api/auth/refresh", "refreshToken=x", {{"Content-Type", "text/plain"}}), 415,
               "UNSUPPORTED_MEDIA_TYPE");

  // None of that touched the real session.
  EXPECT_EQ(refresh(client, text(reg.at("refreshToken"))).status, 200);
}

// --- logout --------------------------------------------------------------------------------

TEST(Auth, LogoutRevokesThatSessionAtOnce) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const json::object other_session = expect_body(login(client, "ada@example.com"), 200);

  const HttpResponse res = logout(client, text(reg.at("accessToken")));
  EXPECT_EQ(res.status, 204) << res.body;
  EXPECT_TRUE(res.body.empty());

  expect_error(me(client, text(reg.at("accessToken"))), 401, "UNAUTHORIZED");
  expect_error(refresh(client, text(reg.at("refreshToken"))), 401, "UNAUTHORIZED");
  expect_error(logout(client, text(reg.at("accessToken"))), 401, "UNAUTHORIZED");  // already revoked

  // The user's other session keeps working.
  EXPECT_EQ(me(client, text(other_session.at("accessToken"))).status, 200);
  EXPECT_EQ(refresh(client, text(other_session.at("refreshToken"))).status, 200);
}

TEST(Auth, LogoutAcceptsTheRefreshTokenInTheBody) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const HttpResponse res = post_json(client, "/api/auth/logout", {{"refreshToken", reg.at("refreshToken")}},
                                     bearer(text(reg.at("accessToken"))));
  EXPECT_EQ(res.status, 204) << res.body;
  expect_error(me(client, text(reg.at("accessToken"))), 401, "UNAUTHORIZED");
  expect_error(refresh(client, text(reg.at("refreshToken"))), 401, "UNAUTHORIZED");
}

TEST(Auth, LogoutRequiresAValidBearer) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  expect_error(client.post("/api/auth/logout", ""), 401, "UNAUTHORIZED");
  expect_error(client.post("/api/auth/logout", "", {{"Authorization", "Bearer garbage"}}), 401, "UNAUTHORIZED");
  // A refresh token in the body is no substitute for the bearer, and revokes nothing.
  expect_error(post_json(client, "/api/auth/logout", {{"refreshToken", reg.at("refreshToken")}}), 401,
               "UNAUTHORIZED");
  EXPECT_EQ(me(client, text(reg.at("accessToken"))).status, 200);
  EXPECT_EQ(refresh(client, text(reg.at("refreshToken"))).status, 200);
}

TEST(Auth, LogoutEndsTheGraceOfAReplacedRefreshToken) {
  TestServer server(auth_config);  // REFRESH_REUSE_INTERVAL: 10 s
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const json::object first = expect_body(refresh(client, text(reg.at("refreshToken"))), 200);
  EXPECT_EQ(logout(client, text(first.at("accessToken"))).status, 204);
  expect_error(refresh(client, text(reg.at("refreshToken"))), 401, "UNAUTHORIZED");
  expect_error(refresh(client, text(first.at("refreshToken"))), 401, "UNAUTHORIZED");
  expect_error(me(client, text(reg.at("accessToken"))), 401, "UNAUTHORIZED");  // same sid as the one logged out
}

// --- routes, rate limits, logs -------------------------------------------------------------

TEST(Auth, RoutesAreServedUnderApiV1Too) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = expect_body(
      post_json(client, "/api/v1/auth/register",
                {{"email", "v1@example.com"}, {"password", kPassword}, {"name", "Version One"}}),
      201);
  const json::object session =
      expect_body(post_json(client, "/api/v1/auth/login", {{"email", "v1@example.com"}, {"password", kPassword}}), 200);
  EXPECT_EQ(client.get("/api/v1/auth/me", bearer(text(session.at("accessToken")))).status, 200);
  const json::object renewed =
      expect_body(post_json(client, "/api/v1/auth/refresh", {{"refreshToken", session.at("refreshToken")}}), 200);
  EXPECT_EQ(client.post("/api/v1/auth/logout", "", bearer(text(renewed.at("accessToken")))).status, 204);
  EXPECT_EQ(me(client, text(reg.at("accessToken"))).status, 200);
}

TEST(Auth, WrongMethodsAre405) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/auth/register"},
           {"GET", "/api/auth/login"},
           {"GET", "/api/auth/refresh"},
           {"GET", "/api/auth/logout"},
           {"POST", "/api/auth/me"},
           {"DELETE", "/api/auth/me"}}) {
    SCOPED_TRACE(method + " " + path);
    const HttpResponse res = client.request(method, path);
    expect_error(res, 405, "METHOD_NOT_ALLOWED");
    EXPECT_TRUE(res.has_header("Allow"));
  }
}

TEST(Auth, AuthRoutesShareOnePerAddressRateLimit) {
  TestServer server(with([](app::Config& c) { c.rate_limit_auth = 3; }));
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");                // 1
  EXPECT_EQ(login(client, "ada@example.com").status, 200);                           // 2
  const HttpResponse renewed = refresh(client, text(reg.at("refreshToken")));        // 3
  EXPECT_EQ(renewed.status, 200) << renewed.body;

  for (const std::string path : {"/api/auth/login", "/api/auth/register", "/api/auth/refresh"}) {
    SCOPED_TRACE(path);
    const HttpResponse limited =
        client.post(path, R"({"email":"ada@example.com","password":"correct horse battery staple","name":"A"})");
    expect_error(limited, 429, "RATE_LIMITED");
    ASSERT_TRUE(limited.has_header("Retry-After"));
    const int retry_after = std::stoi(limited.header("Retry-After"));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 60);
  }
  // Other routes are not under this limit.
  EXPECT_EQ(me(client, text(reg.at("accessToken"))).status, 200);
}

TEST(Auth, RepeatedFailedLoginsLockThatEmailFromThatAddress) {
  TestServer server(with([](app::Config& c) { c.login_max_failures = 3; }));
  HttpClient client = server.client();
  register_user(client, "ada@example.com");
  register_user(client, "grace@example.com");
  for (int i = 0; i < 3; ++i) {
    expect_error(login(client, "ada@example.com", "wrong password!"), 401, "INVALID_CREDENTIALS");
  }
  // Locked: even the right password is not checked.
  const HttpResponse locked = login(client, "ada@example.com");
  expect_error(locked, 429, "RATE_LIMITED");
  EXPECT_TRUE(locked.has_header("Retry-After"));
  expect_error(login(client, "  ADA@example.com"), 429, "RATE_LIMITED");  // the same email, however spelled
  // Another email from the same address is not affected.
  EXPECT_EQ(login(client, "grace@example.com").status, 200);
}

TEST(Auth, ASuccessfulLoginResetsTheFailureCount) {
  TestServer server(with([](app::Config& c) { c.login_max_failures = 3; }));
  HttpClient client = server.client();
  register_user(client, "ada@example.com");
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    for (int i = 0; i < 2; ++i) {
      expect_error(login(client, "ada@example.com", "wrong password!"), 401, "INVALID_CREDENTIALS");
    }
    EXPECT_EQ(login(client, "ada@example.com").status, 200);
  }
}

TEST(Auth, LogsNeverContainPasswordsTokensOrHashes) {
  TestServer server(with([](app::Config& c) { c.log_level = "debug"; }));
  HttpClient client = server.client();
  const std::string wrong_password = "not the right one, 123";
  const json::object reg = register_user(client, "ada@example.com");
  const json::object session = expect_body(login(client, "ada@example.com"), 200);
  const json::object renewed = expect_body(refresh(client, text(session.at("refreshToken"))), 200);
  expect_error(login(client, "ada@example.com", wrong_password), 401, "INVALID_CREDENTIALS");
  expect_error(login(client, "nobody@example.com", wrong_password), 401, "INVALID_CREDENTIALS");
  expect_error(refresh(client, "unknown-refresh-token-0123456789abcdefghijklmnop"), 401, "UNAUTHORIZED");
  EXPECT_EQ(me(client, text(renewed.at("accessToken"))).status, 200);
  EXPECT_EQ(post_json(client, "/api/auth/logout", {{"refreshToken", renewed.at("refreshToken")}},
                      bearer(text(renewed.at("accessToken"))))
                .status,
            204);
  HeaderList last = bearer(text(renewed.at("accessToken")));
  last.emplace_back("X-Request-Id", "auth-log-probe");
  expect_error(client.get("/api/auth/me", last), 401, "UNAUTHORIZED");

  const std::string logs = server.wait_for_log("auth-log-probe");
  ASSERT_NE(logs.find("auth-log-probe"), std::string::npos) << logs;

  std::vector<std::pair<std::string, std::string>> secrets = {
      {"the password", kPassword},
      {"the wrong password", wrong_password},
      {"a bcrypt hash", "$2b$"},
      {"the JWT secret", kSecret},
      {"the unknown refresh token", "unknown-refresh-token-0123456789abcdefghijklmnop"},
  };
  const std::vector<std::pair<std::string, const json::object*>> responses = {
      {"register", &reg}, {"login", &session}, {"refresh", &renewed}};
  for (const auto& [name, body] : responses) {
    const std::string access = text(body->at("accessToken"));
    secrets.emplace_back(name + " access token", access);
    secrets.emplace_back(name + " access token signature", decode_jwt(access).signature_part);
    secrets.emplace_back(name + " refresh token", text(body->at("refreshToken")));
  }
  for (const auto& [name, secret] : secrets) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << name << " is in the log";
  }
}

TEST(Auth, AccessLogNamesTheSignedInUser) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  HeaderList headers = bearer(text(reg.at("accessToken")));
  headers.emplace_back("X-Request-Id", "me-probe");
  EXPECT_EQ(client.get("/api/auth/me", headers).status, 200);
  const std::string logs = server.wait_for_log("id=me-probe");
  const auto pos = logs.find("id=me-probe");
  ASSERT_NE(pos, std::string::npos) << logs;
  const std::string line = logs.substr(pos, logs.find('\n', pos) - pos);
  EXPECT_NE(line.find("user=" + text(reg.at("user").at("id"))), std::string::npos) << line;
}

// --- issue 12 hardening: tokens with non-UUID ids, client addresses, parallel guesses -------

TEST(Auth, CorrectlySignedTokensWithANonUuidSubOrSidAre401NeverA500) {
  TestServer server(auth_config);
  HttpClient client = server.client();
  const json::object reg = register_user(client, "ada@example.com");
  const Jwt real = decode_jwt(text(reg.at("accessToken")));
  for (const auto& [claim, value] : std::vector<std::pair<std::string, std::string>>{
           {"sub", "not-a-uuid"}, {"sid", "not-a-uuid"}, {"sub", "'; DROP TABLE users; --"},
           {"sid", "0192F0C4-7A9B-7C3D-8E1F-0123456789AB"}, {"sub", ""}}) {
    SCOPED_TRACE(claim + "=" + value);
    json::object claims = real.claims;
    claims[claim] = value;
    claims["role"] = "admin";
    const std::string token = sign_jwt(hs256_header(), claims, kSecret);
    expect_error(me(client, token), 401, "UNAUTHORIZED");
    // Before: 409 on SQLite and 500 on PostgreSQL (invalid uuid input) for this create.
    expect_error(client.post("/api/users", R"({"email":"eve@example.com","password":"correct horse 1","name":"Eve"})",
                             bearer(token)),
                 401, "UNAUTHORIZED");
    expect_error(client.get("/api/users/" + text(real.claims.at("sub")), bearer(token)), 401, "UNAUTHORIZED");
  }
  EXPECT_EQ(server.logs().find("[error]"), std::string::npos) << server.logs();
}

TEST(Auth, ParallelWrongPasswordsAreEachCountedAndNoneSlipsPastTheLimit) {
  TestServer server(with([](app::Config& c) { c.login_max_failures = 3; }));
  HttpClient setup = server.client();
  register_user(setup, "ada@example.com");
  constexpr int kGuesses = 16;
  std::vector<int> statuses(kGuesses);
  std::latch start(kGuesses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kGuesses; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client = server.client();
      start.arrive_and_wait();
      statuses[i] = login(client, "ada@example.com", "wrong password " + std::to_string(i)).status;
    });
  }
  for (auto& t : threads) t.join();
  // Before the fix every guess passed the check (made before any had failed): 16 × 401.
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 401), 3);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 429), kGuesses - 3);
  expect_error(login(setup, "ada@example.com"), 429, "RATE_LIMITED");
}

TEST(Auth, ParallelWrongPasswordsUnderTheLimitAreCountedOnceEach) {
  TestServer server(with([](app::Config& c) { c.login_max_failures = 10; }));
  HttpClient setup = server.client();
  register_user(setup, "ada@example.com");
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      HttpClient client = server.client();
      if (login(client, "ada@example.com", "wrong password!").status == 401) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(refused.load(), 8);
  expect_error(login(setup, "ada@example.com", "wrong password!"), 401, "INVALID_CREDENTIALS");  // 9
  expect_error(login(setup, "ada@example.com", "wrong password!"), 401, "INVALID_CREDENTIALS");  // 10
  expect_error(login(setup, "ada@example.com"), 429, "RATE_LIMITED");                           // locked
}

HttpResponse login_via(HttpClient& client, const std::string& forwarded_for, const std::string& password) {
  return client.post("/api/auth/login",
                     json::serialize(json::object{{"email", "ada@example.com"}, {"password", password}}),
                     {{"X-Forwarded-For", forwarded_for}});
}

TEST(Auth, BehindATrustedProxyLimitsAndLogsUseTheForwardedClientAddress) {
  // The test client connects from 127.0.0.1: here that is the trusted proxy.
  TestServer server(with([](app::Config& c) {
    c.login_max_failures = 2;
    c.trusted_proxies = {"127.0.0.0/8", "10.0.0.0/8"};
  }));
  HttpClient client = server.client();
  register_user(client, "ada@example.com");
  // Client 203.0.113.7 (through a second, trusted hop 10.1.2.3) locks itself out...
  for (int i = 0; i < 2; ++i) {
    expect_error(login_via(client, "203.0.113.7, 10.1.2.3", "wrong password!"), 401, "INVALID_CREDENTIALS");
  }
  expect_error(login_via(client, "203.0.113.7", kPassword), 429, "RATE_LIMITED");
  // ...and only itself: another client behind the same proxy still signs in, and a spoofed
  // left-most entry does not choose the address the limit sees.
  EXPECT_EQ(login_via(client, "198.51.100.9", kPassword).status, 200);
  EXPECT_EQ(login_via(client, "203.0.113.7, 198.51.100.10", kPassword).status, 200);
  const std::string logs = server.wait_for_log("198.51.100.10");
  EXPECT_NE(logs.find("203.0.113.7"), std::string::npos) << logs;
}

TEST(Auth, FromAnUntrustedPeerXForwardedForIsIgnored) {
  TestServer server(with([](app::Config& c) {
    c.login_max_failures = 2;
    c.trusted_proxies = {"10.0.0.1"};  // not the test client's 127.0.0.1
  }));
  HttpClient client = server.client();
  register_user(client, "ada@example.com");
  expect_error(login_via(client, "203.0.113.1", "wrong password!"), 401, "INVALID_CREDENTIALS");
  expect_error(login_via(client, "203.0.113.2", "wrong password!"), 401, "INVALID_CREDENTIALS");
  // Two different claimed clients, one real address: it is locked.
  expect_error(login_via(client, "203.0.113.3", kPassword), 429, "RATE_LIMITED");
  EXPECT_EQ(server.logs().find("203.0.113."), std::string::npos) << "an unverified X-Forwarded-For was logged";
}
}  // namespace
}  // namespace keel::test
