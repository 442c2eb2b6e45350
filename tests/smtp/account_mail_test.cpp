// Account e-mail (API.md §11, issue 18) through real HTTP and the real SMTP server of
// scripts/with-smtp.sh: verification and reset links that work once, throttles, mail that survives
// the SMTP server going away and keel restarting (none lost, none doubled), and no token in the log.
// On SQLite, and on PostgreSQL (the "postgres.smtp." copies). The SMTP server and its Maildir are
// shared by every test of the run: each test mails addresses of its own (address()), and the tests
// that stop the server take turns with the others through the ctest RESOURCE_LOCK smtp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "integration/resource_fixtures.hpp"
#include "support/expect.hpp"
#include "support/maildir.hpp"
#include "support/manual_clock.hpp"
#include "support/test_database.hpp"
#include "support/test_server.hpp"

namespace keel::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using fixtures::json_text;

const std::string kVerifySubject = "Verify your email address";
const std::string kResetSubject = "Reset your password";
const std::string kFrom = "Keel Tests <noreply@example.com>";
const std::string kPassword = fixtures::kUserPassword;
const std::string kNewPassword = "a brand new password 42";

std::string random_hex(std::size_t n) {
  static std::random_device rd;
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += digits[rd() % 16];
  return out;
}

// 43 base64url characters, as a real token looks: one keel never issued.
std::string made_up_token() {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static std::random_device rd;
  std::string out;
  for (int i = 0; i < 43; ++i) out += alphabet[rd() % 64];
  return out;
}

// --- HTTP ------------------------------------------------------------------------------------

struct Session {
  std::string id;
  std::string access;
  std::string refresh;
  HeaderList bearer() const { return {{"Authorization", "Bearer " + access}}; }
};

HttpResponse post(HttpClient& client, std::string_view path, const json::object& body, const HeaderList& headers = {}) {
  return client.post(path, json_text(body), headers);
}

Session session_of(const HttpResponse& res, int status) {
  EXPECT_EQ(res.status, status) << res.body;
  if (res.status != status) return {};
  const json::value body = res.json();
  return {std::string(body.at("user").at("id").as_string()), std::string(body.at("accessToken").as_string()),
          std::string(body.at("refreshToken").as_string())};
}

Session register_account(HttpClient& client, const std::string& email, const std::string& password = kPassword) {
  return session_of(post(client, "/api/auth/register", {{"email", email}, {"password", password}, {"name", "U"}}), 201);
}

HttpResponse login(HttpClient& client, const std::string& email, const std::string& password = kPassword) {
  return post(client, "/api/auth/login", {{"email", email}, {"password", password}});
}

Session admin_session(HttpClient& client) {
  return session_of(login(client, fixtures::kAdminEmail, fixtures::kAdminPassword), 200);
}

HttpResponse forgot(HttpClient& client, const std::string& email) {
  return post(client, "/api/auth/forgot-password", {{"email", email}});
}

HttpResponse verify(HttpClient& client, const std::string& token) {
  return post(client, "/api/auth/verify-email", {{"token", token}});
}

HttpResponse reset(HttpClient& client, const std::string& token, const std::string& password = kNewPassword) {
  return post(client, "/api/auth/reset-password", {{"token", token}, {"password", password}});
}

HttpResponse request_verification(HttpClient& client, const Session& who) {
  return client.post("/api/auth/request-verification", "", who.bearer());
}

// GET /api/auth/me's user object ({} when it is not a 200).
json::object me(HttpClient& client, const Session& who) {
  const HttpResponse res = client.get("/api/auth/me", who.bearer());
  EXPECT_EQ(res.status, 200) << res.body;
  return res.status == 200 ? res.json().as_object() : json::object();
}

bool verified(const json::object& user) {
  const auto* v = user.if_contains("emailVerified");
  EXPECT_TRUE(v && v->is_bool()) << json::serialize(user);
  return v && v->is_bool() && v->as_bool();
}

// A bad, used, expired or replaced token: 400 VALIDATION_ERROR naming `token` (and nothing else).
void expect_token_refused(const HttpResponse& res) { fixtures::expect_validation(res, {"token"}); }

// The events of `type` about `user_id` in the log (GET /api/events, as the admin). On PostgreSQL
// the sequencer numbers a commit a moment after it: waits up to 5 s for the first one.
json::array events_of(HttpClient& client, const Session& admin, const std::string& type, const std::string& user_id) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    json::array matching;
    std::int64_t since = 0;
    for (;;) {
      const HttpResponse res = client.get("/api/events?limit=1000&since=" + std::to_string(since), admin.bearer());
      EXPECT_EQ(res.status, 200) << res.body;
      if (res.status != 200) return matching;
      const json::object body = res.json().as_object();
      const json::array& data = body.at("data").as_array();
      for (const json::value& e : data) {
        const json::value* record = e.as_object().if_contains("recordId");
        const bool about_user = record && record->is_string() && record->as_string() == user_id;
        if (about_user && e.at("type").as_string() == type) matching.push_back(e);
      }
      if (data.empty()) break;
      since = body.at("meta").at("nextSince").as_int64();
    }
    if (!matching.empty() || std::chrono::steady_clock::now() > deadline) return matching;
    std::this_thread::sleep_for(20ms);
  }
}

// --- mail ------------------------------------------------------------------------------------

std::vector<ReceivedMail> with_subject(const std::string& address, const std::string& subject) {
  std::vector<ReceivedMail> out;
  for (ReceivedMail& m : mails_to(address)) {
    if (m.subject == subject) out.push_back(std::move(m));
  }
  return out;
}

// The `nth` mail with `subject` to `address` (registration's verification mail and reset mails
// share an address, so tests pick by subject); fails the test on timeout.
ReceivedMail wait_for(const std::string& address, const std::string& subject, std::size_t nth = 1,
                      std::chrono::milliseconds timeout = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<ReceivedMail> got = with_subject(address, subject);
    if (got.size() >= nth) return std::move(got[nth - 1]);
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string all;
      for (const ReceivedMail& m : mails_to(address)) all += "\n  \"" + m.subject + "\"";
      ADD_FAILURE() << "\"" << subject << "\" #" << nth << " to " << address << " did not arrive within "
                    << timeout.count() << " ms; mail to it:" << all;
      return {};
    }
    std::this_thread::sleep_for(50ms);
  }
}

// The whole captured log (debug level) holds none of `secrets`. A probe request goes last: its
// access line is written just after its response, so once it is in, every earlier line is.
void expect_log_free_of(const TestServer& server, HttpClient& client,
                        const std::vector<std::pair<std::string, std::string>>& secrets) {
  const std::string probe = "mail-log-probe-" + random_hex(8);
  client.get("/api/auth/me", {{"X-Request-Id", probe}});
  const std::string logs = server.wait_for_log(probe);
  ASSERT_NE(logs.find(probe), std::string::npos) << "the probe's access line never came";
  for (const auto& [name, secret] : secrets) {
    if (secret.empty()) continue;
    EXPECT_EQ(logs.find(secret), std::string::npos) << name << " is in the log";
  }
  EXPECT_EQ(logs.find("$2b$"), std::string::npos) << "a bcrypt hash is in the log";
}

// --- the fixture -----------------------------------------------------------------------------

class AccountMail : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test_backend() == "postgres" && postgres_test_url().empty()) {
      GTEST_SKIP() << "KEEL_TEST_BACKEND=postgres needs KEEL_TEST_POSTGRES_URL (make test starts a server and sets it)";
    }
    smtp_ = smtp_url();  // fails (never skips) without scripts/with-smtp.sh
    ASSERT_FALSE(smtp_.empty());
    smtp_ctl("start");  // a no-op unless an earlier test's process died with the server stopped
    ASSERT_FALSE(HasFailure());
    database_ = std::make_unique<TestDatabase>(test_backend());
  }

  // Whatever a test did to the SMTP server, the next one finds it running.
  void TearDown() override { smtp_ctl("start"); }

  // keel on this test's database, mailing through the test server, then `more`'s adjustments.
  // Replaces (stops) the server a test started before.
  TestServer& start(const std::function<void(app::Config&)>& more = {}, const Clock& clock = Clock::system()) {
    server_.reset();
    server_ = std::make_unique<TestServer>(
        [&](app::Config& c) {
          fixtures::configure(c, "");  // bcrypt cost 4, no per-address auth limit, the first admin
          c.database_url = database_->url();
          c.smtp_url = smtp_;
          c.mail_from = kFrom;
          c.mail_retry_max = 500ms;  // back-off capped low: retries after an outage come quickly
          c.log_level = "debug";     // the log is checked for tokens at its most talkative
          if (more) more(c);
        },
        nullptr, clock);
    return *server_;
  }

  // An address no other test (or run, on the shared Maildir) mails: "<test>-<who>-<random>@example.com".
  std::string address(const std::string& who) const {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    name = name.substr(0, 32);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name + "-" + who + "-" + random_hex(8) + "@example.com";
  }

  ManualClock clock_;  // for the tests that move time; outlives the server
  std::string smtp_;
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<TestServer> server_;
};

// --- verification ----------------------------------------------------------------------------

TEST_F(AccountMail, RegistrationMailsALinkThatVerifiesTheAddress) {
  TestServer& server = start();
  HttpClient client = server.client();
  const std::string ada = address("ada");
  const Session s = register_account(client, ada);
  EXPECT_FALSE(verified(me(client, s)));

  const ReceivedMail mail = wait_for(ada, kVerifySubject);
  EXPECT_NE(mail.from.find("noreply@example.com"), std::string::npos) << "From is MAIL_FROM: " << mail.from;
  const std::string token = link_in(mail, "verify-email");
  ASSERT_FALSE(token.empty());
  // Without PUBLIC_URL the link points at this server; the HTML part carries it too.
  EXPECT_NE(mail.text.find("http://127.0.0.1:" + std::to_string(server.port()) + "/verify-email?token=" + token),
            std::string::npos)
      << mail.text;
  EXPECT_NE(mail.html.find(token), std::string::npos) << mail.html;

  const HttpResponse res = verify(client, token);
  ASSERT_EQ(res.status, 200) << res.body;
  const json::object user = res.json().as_object();
  EXPECT_EQ(user.at("id").as_string(), s.id);
  EXPECT_EQ(user.at("email").as_string(), ada);
  EXPECT_TRUE(verified(user));
  EXPECT_TRUE(verified(me(client, s)));

  // One auth.email_verified event, the user's own act, holding no token (API.md §9).
  const json::array events = events_of(client, admin_session(client), "auth.email_verified", s.id);
  ASSERT_EQ(events.size(), 1u) << json::serialize(events);
  EXPECT_EQ(events[0].at("resource").as_string(), "auth");
  const json::value& actor = events[0].at("actorId");
  EXPECT_TRUE(actor.is_string() && actor.as_string() == s.id) << "the user acted: " << json::serialize(events[0]);
  EXPECT_TRUE(events[0].at("data").at("emailVerified").as_bool()) << json::serialize(events[0]);
  EXPECT_EQ(json::serialize(events).find(token), std::string::npos);

  expect_log_free_of(server, client, {{"the verification token", token}, {"the password", kPassword}});
}

TEST_F(AccountMail, AVerificationTokenWorksOnceAndMadeUpOrMissingOnesAreRefused) {
  // MAIL_THROTTLE off: the already-verified request below must not meet the throttle first.
  TestServer& server = start([](app::Config& c) { c.mail_throttle = 0s; });
  HttpClient client = server.client();
  const std::string ada = address("ada");
  const Session s = register_account(client, ada);
  const std::string token = link_in(wait_for(ada, kVerifySubject), "verify-email");
  ASSERT_FALSE(token.empty());

  ASSERT_EQ(verify(client, token).status, 200);
  expect_token_refused(verify(client, token));  // single use
  expect_token_refused(verify(client, made_up_token()));
  expect_token_refused(verify(client, ""));
  expect_token_refused(post(client, "/api/auth/verify-email", json::object{}));
  expect_token_refused(post(client, "/api/auth/verify-email", {{"token", 42}}));
  EXPECT_TRUE(verified(me(client, s))) << "a refused token undoes nothing";

  // Already verified: 202 and nothing sent. The courier sends in order, so once a later mail
  // (a reset) has arrived, a verification mail for this request would have too.
  EXPECT_EQ(request_verification(client, s).status, 202);
  EXPECT_EQ(forgot(client, ada).status, 202);
  wait_for(ada, kResetSubject);
  EXPECT_EQ(with_subject(ada, kVerifySubject).size(), 1u);
}

TEST_F(AccountMail, AnOlderVerificationTokenIsRefusedOnceANewerOneWasMailed) {
  TestServer& server = start([](app::Config& c) { c.mail_throttle = 0s; });
  HttpClient client = server.client();
  const std::string ada = address("ada");
  const Session s = register_account(client, ada);
  const std::string older = link_in(wait_for(ada, kVerifySubject), "verify-email");
  EXPECT_EQ(request_verification(client, s).status, 202);
  const std::string newer = link_in(wait_for(ada, kVerifySubject, 2), "verify-email");
  ASSERT_FALSE(older.empty());
  ASSERT_FALSE(newer.empty());
  EXPECT_NE(older, newer);

  expect_token_refused(verify(client, older));  // the newest replaces earlier ones (API.md §11)
  EXPECT_FALSE(verified(me(client, s)));
  EXPECT_EQ(verify(client, newer).status, 200);
  EXPECT_TRUE(verified(me(client, s)));
}

TEST_F(AccountMail, RequestingVerificationWithinTheThrottleIs429WithRetryAfter) {
  TestServer& server = start();  // MAIL_THROTTLE at its default, 60 s
  HttpClient client = server.client();
  const std::string ada = address("ada");
  const Session s = register_account(client, ada);

  // Registration's mail counts: asking again at once is too soon.
  const HttpResponse res = request_verification(client, s);
  expect_error(res, 429, "RATE_LIMITED");
  const std::string retry = res.header("Retry-After");
  ASSERT_FALSE(retry.empty()) << "429 without Retry-After";
  ASSERT_EQ(retry.find_first_not_of("0123456789"), std::string::npos) << "Retry-After in seconds: " << retry;
  EXPECT_GE(std::stoi(retry), 1);
  EXPECT_LE(std::stoi(retry), 60);

  // The refused request sent nothing: a later mail arrives, and still one verification mail.
  EXPECT_EQ(forgot(client, ada).status, 202);
  wait_for(ada, kResetSubject);
  EXPECT_EQ(with_subject(ada, kVerifySubject).size(), 1u);

  expect_error(client.post("/api/auth/request-verification", ""), 401, "UNAUTHORIZED");
}

TEST_F(AccountMail, RequestingVerificationAfterTheThrottleMailsANewLink) {
  TestServer& server = start([](app::Config& c) { c.mail_throttle = 1s; });
  HttpClient client = server.client();
  const std::string ada = address("ada");
  const Session s = register_account(client, ada);
  const std::string first = link_in(wait_for(ada, kVerifySubject), "verify-email");
  std::this_thread::sleep_for(1200ms);  // the throttle counts from registration, on the real clock

  EXPECT_EQ(request_verification(client, s).status, 202);
  const std::string second = link_in(wait_for(ada, kVerifySubject, 2), "verify-email");
  ASSERT_FALSE(second.empty());
  EXPECT_NE(first, second);
  EXPECT_EQ(verify(client, second).status, 200);
}

// --- password reset --------------------------------------------------------------------------

TEST_F(AccountMail, ResetByMailSetsThePasswordAndRevokesEverySession) {
  TestServer& server = start();
  HttpClient client = server.client();
  const std::string ada = address("ada");
  const Session registered = register_account(client, ada);
  const Session signed_in = session_of(login(client, ada), 200);

  const HttpResponse asked = forgot(client, ada);
  EXPECT_EQ(asked.status, 202) << asked.body;
  const ReceivedMail mail = wait_for(ada, kResetSubject);
  const std::string token = link_in(mail, "reset-password");
  ASSERT_FALSE(token.empty());
  EXPECT_NE(mail.html.find(token), std::string::npos) << mail.html;

  const HttpResponse done = reset(client, token);
  EXPECT_EQ(done.status, 204) << done.body;
  EXPECT_TRUE(done.body.empty()) << done.body;

  // Every session of the user is gone: access and refresh tokens, from registration and login.
  for (const Session* old : {&registered, &signed_in}) {
    expect_error(client.get("/api/auth/me", old->bearer()), 401, "UNAUTHORIZED");
    expect_error(post(client, "/api/auth/refresh", {{"refreshToken", old->refresh}}), 401, "UNAUTHORIZED");
  }
  EXPECT_EQ(login(client, ada, kNewPassword).status, 200);
  expect_error(login(client, ada, kPassword), 401, "INVALID_CREDENTIALS");
  expect_token_refused(reset(client, token, "yet another password"));  // single use
  EXPECT_EQ(login(client, ada, kNewPassword).status, 200) << "the refused reuse changed nothing";

  const json::array events = events_of(client, admin_session(client), "auth.password_reset", registered.id);
  ASSERT_EQ(events.size(), 1u) << json::serialize(events);
  EXPECT_EQ(events[0].at("resource").as_string(), "auth");
  const std::string event_text = json::serialize(events);
  EXPECT_EQ(event_text.find(token), std::string::npos);
  EXPECT_EQ(event_text.find(kNewPassword), std::string::npos);

  expect_log_free_of(server, client,
                     {{"the reset token", token},
                      {"the verification token", link_in(wait_for(ada, kVerifySubject), "verify-email")},
                      {"the new password", kNewPassword},
                      {"the old password", kPassword}});
}

// Two racing uses of one link: each request takes the token in its own transaction, so exactly one
// sets its password and the others are told the token is used, on SQLite and on PostgreSQL alike.
TEST_F(AccountMail, OfRequestsRacingWithOneTokenExactlyOneSucceeds) {
  TestServer& server = start();
  HttpClient client = server.client();
  const std::string ada = address("ada");
  register_account(client, ada);
  EXPECT_EQ(forgot(client, ada).status, 202);
  const std::string reset_token = link_in(wait_for(ada, kResetSubject), "reset-password");
  const std::string verify_token = link_in(wait_for(ada, kVerifySubject), "verify-email");
  ASSERT_FALSE(reset_token.empty());
  ASSERT_FALSE(verify_token.empty());

  constexpr int kRacers = 6;
  std::vector<int> reset_status(kRacers), verify_status(kRacers);
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      HttpClient own = server.client();
      reset_status[i] = reset(own, reset_token, "racer password " + std::to_string(i)).status;
      verify_status[i] = verify(own, verify_token).status;
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(std::count(reset_status.begin(), reset_status.end(), 204), 1);
  EXPECT_EQ(std::count(reset_status.begin(), reset_status.end(), 400), kRacers - 1);
  EXPECT_EQ(std::count(verify_status.begin(), verify_status.end(), 200), 1);
  EXPECT_EQ(std::count(verify_status.begin(), verify_status.end(), 400), kRacers - 1);
  // The winner's password is the one that works.
  const auto winner = std::find(reset_status.begin(), reset_status.end(), 204) - reset_status.begin();
  EXPECT_EQ(login(client, ada, "racer password " + std::to_string(winner)).status, 200);
}

TEST_F(AccountMail, ResetPasswordKeepsThePasswordRulesAndARefusedPasswordLeavesTheTokenUsable) {
  TestServer& server = start();
  HttpClient client = server.client();
  const std::string ada = address("ada");
  register_account(client, ada);
  EXPECT_EQ(forgot(client, ada).status, 202);
  const std::string token = link_in(wait_for(ada, kResetSubject), "reset-password");
  ASSERT_FALSE(token.empty());

  // API.md §3's rules: 8-72 bytes, no U+0000. A 400 changes nothing, so the mailed link still
  // works for the user's next try.
  fixtures::expect_validation(reset(client, token, "short"), {"password"});
  fixtures::expect_validation(reset(client, token, std::string(73, 'x')), {"password"});
  std::string with_nul = "nul";
  with_nul += '\0';
  with_nul += "inside password";
  fixtures::expect_validation(reset(client, token, with_nul), {"password"});
  fixtures::expect_validation(post(client, "/api/auth/reset-password", {{"token", token}}), {"password"});
  EXPECT_EQ(login(client, ada).status, 200) << "the old password still works";

  EXPECT_EQ(reset(client, token).status, 204);
  EXPECT_EQ(login(client, ada, kNewPassword).status, 200);
}

TEST_F(AccountMail, AnOlderResetTokenIsRefusedOnceANewerOneWasMailed) {
  TestServer& server = start();
  HttpClient client = server.client();
  const std::string ada = address("ada");
  register_account(client, ada);
  EXPECT_EQ(forgot(client, ada).status, 202);
  EXPECT_EQ(forgot(client, ada).status, 202);
  const std::string older = link_in(wait_for(ada, kResetSubject, 1), "reset-password");
  const std::string newer = link_in(wait_for(ada, kResetSubject, 2), "reset-password");
  ASSERT_FALSE(older.empty());
  ASSERT_FALSE(newer.empty());
  EXPECT_NE(older, newer);

  expect_token_refused(reset(client, made_up_token()));
  expect_token_refused(post(client, "/api/auth/reset-password", {{"password", kNewPassword}}));
  expect_token_refused(reset(client, older));
  EXPECT_EQ(login(client, ada).status, 200) << "the refused token changed nothing";
  EXPECT_EQ(reset(client, newer).status, 204);
  EXPECT_EQ(login(client, ada, kNewPassword).status, 200);
}

TEST_F(AccountMail, ForgotPasswordAnswersAnUnknownAddressAlikeAndMailsItNothing) {
  TestServer& server = start();
  HttpClient client = server.client();
  const std::string known = address("known");
  const std::string unknown = address("unknown");
  register_account(client, known);

  const HttpResponse for_unknown = forgot(client, unknown);
  std::string shouted = known;  // addresses compare case-insensitively (API.md §3)
  for (char& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const HttpResponse for_known = forgot(client, shouted);
  EXPECT_EQ(for_unknown.status, 202) << for_unknown.body;
  EXPECT_EQ(for_known.status, 202) << for_known.body;
  EXPECT_EQ(for_unknown.body, for_known.body) << "the same answer either way";

  // The courier sends in order: a mail queued for the unknown address, asked first, would have
  // arrived before the known one's.
  wait_for(known, kResetSubject);
  EXPECT_TRUE(mails_to(unknown).empty());
}

TEST_F(AccountMail, ForgotPasswordRefusesAMissingOrMalformedEmail) {
  TestServer& server = start();
  HttpClient client = server.client();
  fixtures::expect_validation(post(client, "/api/auth/forgot-password", json::object{}), {"email"});
  fixtures::expect_validation(forgot(client, ""), {"email"});
  fixtures::expect_validation(forgot(client, "not an address"), {"email"});
  fixtures::expect_validation(forgot(client, "ada@"), {"email"});
  fixtures::expect_validation(post(client, "/api/auth/forgot-password", {{"email", 42}}), {"email"});
}

TEST_F(AccountMail, AtMostThreeResetMailsPerAccountIn15Minutes) {
  TestServer& server = start();
  HttpClient client = server.client();
  const std::string ada = address("ada");
  register_account(client, ada);
  std::string first_body;
  for (int i = 0; i < 4; ++i) {
    const HttpResponse res = forgot(client, ada);
    EXPECT_EQ(res.status, 202) << "request " << i + 1 << ": " << res.body;  // the 4th too: nothing tells it apart
    if (i == 0) first_body = res.body;
    EXPECT_EQ(res.body, first_body);
  }
  wait_for(ada, kResetSubject, 3);
  std::this_thread::sleep_for(2s);  // a 4th would be out by now (the courier sends at once)
  const std::vector<ReceivedMail> mails = with_subject(ada, kResetSubject);
  ASSERT_EQ(mails.size(), 3u);

  // The 4th request made nothing, not even a token: the newest mail's link is the one that works.
  expect_token_refused(reset(client, link_in(mails[0], "reset-password")));
  expect_token_refused(reset(client, link_in(mails[1], "reset-password")));
  EXPECT_EQ(reset(client, link_in(mails[2], "reset-password")).status, 204);
}

// --- outages and restarts --------------------------------------------------------------------

TEST_F(AccountMail, MailAskedForWhileTheSmtpServerIsDownIsDeliveredOnceItIsBack) {
  TestServer& server = start();
  HttpClient client = server.client();
  const std::vector<std::string> users = {address("a"), address("b"), address("c")};

  smtp_ctl("stop");
  ASSERT_FALSE(HasFailure());
  for (const std::string& u : users) register_account(client, u);  // 201: the mail waits in the outbox
  EXPECT_EQ(forgot(client, users[0]).status, 202);
  std::this_thread::sleep_for(1500ms);  // the courier fails a few times, backing off (capped at 500 ms)
  smtp_ctl("start");

  std::vector<std::pair<std::string, std::string>> tokens;
  tokens.emplace_back("a reset token", link_in(wait_for(users[0], kResetSubject), "reset-password"));
  for (const std::string& u : users) {
    tokens.emplace_back("a verification token", link_in(wait_for(u, kVerifySubject), "verify-email"));
  }
  std::this_thread::sleep_for(2s);  // a repeat would be out by now (retries come every 500 ms at most)
  EXPECT_EQ(with_subject(users[0], kResetSubject).size(), 1u);
  for (const std::string& u : users) EXPECT_EQ(with_subject(u, kVerifySubject).size(), 1u) << u;
  EXPECT_EQ(mails_to(users[0]).size(), 2u);
  EXPECT_EQ(mails_to(users[1]).size(), 1u);
  EXPECT_EQ(mails_to(users[2]).size(), 1u);

  // The late mail carries working links.
  EXPECT_EQ(verify(client, tokens[2].second).status, 200);
  EXPECT_EQ(reset(client, tokens[0].second).status, 204);

  tokens.emplace_back("the new password", kNewPassword);
  expect_log_free_of(server, client, tokens);
}

TEST_F(AccountMail, MailQueuedBeforeARestartIsDeliveredOnceByTheNextStart) {
  const std::string ada = address("ada");
  smtp_ctl("stop");
  ASSERT_FALSE(HasFailure());
  {
    TestServer& first = start();
    HttpClient client = first.client();
    register_account(client, ada);
    EXPECT_EQ(forgot(client, ada).status, 202);
    std::this_thread::sleep_for(700ms);  // a failed attempt or two before keel stops
  }
  server_.reset();  // the first keel stops (as on SIGTERM) with both mails unsent

  TestServer& second = start();  // the same database
  smtp_ctl("start");
  const std::string verify_token = link_in(wait_for(ada, kVerifySubject), "verify-email");
  const std::string reset_token = link_in(wait_for(ada, kResetSubject), "reset-password");
  std::this_thread::sleep_for(2s);  // a repeat would be out by now
  EXPECT_EQ(mails_to(ada).size(), 2u);

  HttpClient client = second.client();
  EXPECT_EQ(verify(client, verify_token).status, 200);
  EXPECT_EQ(reset(client, reset_token).status, 204);
}

// --- email change, REQUIRE_VERIFIED_EMAIL, expiry ----------------------------------------------

TEST_F(AccountMail, ChangingTheEmailUnverifiesItAndMailsTheNewAddress) {
  TestServer& server = start([](app::Config& c) { c.public_url = "https://keel.example.com"; });
  HttpClient client = server.client();
  const std::string first = address("first");
  const std::string second = address("second");
  const std::string third = address("third");
  const Session s = register_account(client, first);
  const std::string first_token = link_in(wait_for(first, kVerifySubject), "verify-email");

  const HttpResponse changed = client.request("PATCH", "/api/users/" + s.id, json_text({{"email", second}}), s.bearer());
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.json().at("email").as_string(), second);
  EXPECT_FALSE(verified(changed.json().as_object()));
  const ReceivedMail mail = wait_for(second, kVerifySubject);
  const std::string token = link_in(mail, "verify-email");
  ASSERT_FALSE(token.empty());
  EXPECT_NE(mail.text.find("https://keel.example.com/verify-email?token=" + token), std::string::npos)
      << "links start with PUBLIC_URL:\n"
      << mail.text;

  // The link mailed to the old address can't verify the new one.
  expect_token_refused(verify(client, first_token));
  const HttpResponse ok = verify(client, token);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json().at("email").as_string(), second);
  EXPECT_TRUE(verified(ok.json().as_object()));

  // A verified address changed again: unverified in the answer, and mailed (an email change is no
  // request-verification: MAIL_THROTTLE does not hold it back).
  const HttpResponse again = client.request("PATCH", "/api/users/" + s.id, json_text({{"email", third}}), s.bearer());
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_FALSE(verified(again.json().as_object()));
  EXPECT_FALSE(verified(me(client, s)));
  EXPECT_EQ(verify(client, link_in(wait_for(third, kVerifySubject), "verify-email")).status, 200);
  EXPECT_TRUE(verified(me(client, s)));
}

TEST_F(AccountMail, RequireVerifiedEmailRefusesTheLoginOfAnUnverifiedAccountUntilItIsVerified) {
  TestServer& server = start([](app::Config& c) { c.require_verified_email = true; });
  HttpClient client = server.client();
  const std::string ada = address("ada");
  register_account(client, ada);

  const HttpResponse refused = login(client, ada);
  expect_error(refused, 403, "FORBIDDEN");
  EXPECT_EQ(json::serialize(fixtures::details_of(refused)), R"({"email":"not verified"})") << refused.body;
  // A wrong password reveals nothing about the account's state: the usual 401, alike for an
  // unknown address.
  const HttpResponse wrong = login(client, ada, "not the password");
  const HttpResponse nobody = login(client, address("nobody"), "not the password");
  expect_error(wrong, 401, "INVALID_CREDENTIALS");
  expect_error(nobody, 401, "INVALID_CREDENTIALS");
  EXPECT_EQ(wrong.json().at("error").at("message"), nobody.json().at("error").at("message"));
  EXPECT_TRUE(fixtures::details_of(wrong).empty()) << wrong.body;

  EXPECT_EQ(verify(client, link_in(wait_for(ada, kVerifySubject), "verify-email")).status, 200);
  EXPECT_EQ(login(client, ada).status, 200);
  EXPECT_EQ(login(client, fixtures::kAdminEmail, fixtures::kAdminPassword).status, 200) << "the first admin is verified";
}

// Time moved by the test's clock (token rules read keel's Clock), not slept.
TEST_F(AccountMail, TokensPastTheirLifetimeAreRefused) {
  TestServer& server = start(
      [](app::Config& c) {
        c.verify_token_ttl = 60s;
        c.reset_token_ttl = 60s;
      },
      clock_);
  HttpClient client = server.client();
  const std::string ada = address("ada");
  const std::string bob = address("bob");
  register_account(client, ada);
  register_account(client, bob);
  EXPECT_EQ(forgot(client, ada).status, 202);
  const std::string ada_verify = link_in(wait_for(ada, kVerifySubject), "verify-email");
  const std::string bob_verify = link_in(wait_for(bob, kVerifySubject), "verify-email");
  const std::string ada_reset = link_in(wait_for(ada, kResetSubject), "reset-password");

  clock_.advance(59s);
  EXPECT_EQ(verify(client, ada_verify).status, 200) << "still within VERIFY_TOKEN_TTL";
  clock_.advance(2s);
  expect_token_refused(verify(client, bob_verify));
  expect_token_refused(reset(client, ada_reset));
  EXPECT_EQ(login(client, ada).status, 200) << "the expired reset changed nothing";
}

}  // namespace
}  // namespace keel::test
