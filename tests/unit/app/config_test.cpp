#include "app/config.hpp"

#include <gtest/gtest.h>

namespace keel::app {
namespace {

using Env = std::map<std::string, std::string>;

std::string failing_variable(const Env& env, const std::vector<std::string>& flags = {}) {
  try {
    load_config(env, flags);
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(e.variable()), std::string::npos);
    return e.variable();
  }
  ADD_FAILURE() << "config loaded without error";
  return {};
}

TEST(Config, DefaultsFollowApiMd) {
  const Config c = load_config({}, {});
  EXPECT_EQ(c.env, Environment::kDevelopment);
  EXPECT_EQ(c.port, 3000);
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.database_url, "sqlite://./data/keel.db");
  EXPECT_EQ(c.access_token_ttl.count(), 900);
  EXPECT_EQ(c.refresh_token_ttl.count(), 30 * 24 * 3600);
  EXPECT_EQ(c.bcrypt_cost, 12);
  EXPECT_EQ(c.log_format, LogFormat::kText);
  EXPECT_EQ(c.max_body_bytes, 1u << 20);
  EXPECT_EQ(c.max_connections, 10000u);
  EXPECT_EQ(c.max_connections_per_client, 1024u);
  EXPECT_EQ(c.rate_limit_auth, 60);
  EXPECT_EQ(c.login_max_failures, 10);
  EXPECT_EQ(c.refresh_reuse_interval.count(), 10);
  EXPECT_GE(c.threads, 1u);
}

TEST(Config, ProductionChangesDefaultsAndNeedsASecret) {
  EXPECT_EQ(failing_variable({{"APP_ENV", "production"}}), "JWT_SECRET");
  const Config c = load_config({{"APP_ENV", "production"}, {"JWT_SECRET", std::string(32, 's')}}, {});
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.log_format, LogFormat::kJson);
}

TEST(Config, ReadsEnvironmentAndFlagsWin) {
  const Config c = load_config({{"PORT", "8080"}, {"LOG_LEVEL", "debug"}, {"MAX_BODY_BYTES", "2048"}},
                               {"--port", "9090", "--cors-origins=https://a.example.com, https://b.example.com"});
  EXPECT_EQ(c.port, 9090);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.max_body_bytes, 2048u);
  ASSERT_EQ(c.cors_origins.size(), 2u);
  EXPECT_EQ(c.cors_origins[1], "https://b.example.com");
}

TEST(Config, HardeningSettingsDefaultToTheSafeChoice) {
  const Config c = load_config({}, {});
  EXPECT_EQ(c.sqlite_synchronous, "full");
  EXPECT_TRUE(c.trusted_proxies.empty());
  EXPECT_TRUE(c.metrics_token.empty());
  const Config set = load_config({{"SQLITE_SYNCHRONOUS", "normal"},
                                  {"TRUSTED_PROXIES", " 10.0.0.0/8, ::1 ,192.168.1.7"},
                                  {"METRICS_TOKEN", "0123456789abcdef"}},
                                 {});
  EXPECT_EQ(set.sqlite_synchronous, "normal");
  EXPECT_EQ(set.trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "::1", "192.168.1.7"}));
  EXPECT_EQ(set.metrics_token, "0123456789abcdef");
}

TEST(Config, BadValuesNameTheVariable) {
  const std::vector<std::pair<Env, std::string>> cases = {
      {{{"PORT", "abc"}}, "PORT"},
      {{{"PORT", "70000"}}, "PORT"},
      {{{"PORT", "-1"}}, "PORT"},
      {{{"APP_ENV", "staging"}}, "APP_ENV"},
      {{{"DATABASE_URL", "mysql://x"}}, "DATABASE_URL"},
      {{{"JWT_SECRET", "short"}}, "JWT_SECRET"},
      {{{"ACCESS_TOKEN_TTL", "0"}}, "ACCESS_TOKEN_TTL"},
      {{{"BCRYPT_COST", "9"}}, "BCRYPT_COST"},
      {{{"BCRYPT_COST", "16"}}, "BCRYPT_COST"},
      {{{"LOG_LEVEL", "verbose"}}, "LOG_LEVEL"},
      {{{"LOG_FORMAT", "xml"}}, "LOG_FORMAT"},
      {{{"CORS_ORIGINS", "example.com"}}, "CORS_ORIGINS"},
      {{{"MAX_BODY_BYTES", "0"}}, "MAX_BODY_BYTES"},
      {{{"MAX_CONNECTIONS", "lots"}}, "MAX_CONNECTIONS"},
      {{{"MAX_CONNECTIONS_PER_CLIENT", "-1"}}, "MAX_CONNECTIONS_PER_CLIENT"},
      {{{"RATE_LIMIT_AUTH", "-5"}}, "RATE_LIMIT_AUTH"},
      {{{"REFRESH_REUSE_INTERVAL", "1.5"}}, "REFRESH_REUSE_INTERVAL"},
      {{{"THREADS", "0"}}, "THREADS"},
      {{{"REDIS_URL", "http://x"}}, "REDIS_URL"},
      {{{"AMQP_URL", "redis://x"}}, "AMQP_URL"},
      {{{"AMQP_URL", "amqp://guest:guest@localhost:99999/"}}, "AMQP_URL"},
      {{{"AMQP_URL", "amqp://guest:guest@localhost/a/b"}}, "AMQP_URL"},
      {{{"ADMIN_EMAIL", "a@b.co"}}, "ADMIN_PASSWORD"},
      {{{"IDLE_TIMEOUT", "soon"}}, "IDLE_TIMEOUT"},
      {{{"TRUSTED_PROXIES", "10.0.0.0/33"}}, "TRUSTED_PROXIES"},
      {{{"TRUSTED_PROXIES", "10.0.0.1, proxy.local"}}, "TRUSTED_PROXIES"},
      {{{"SQLITE_SYNCHRONOUS", "off"}}, "SQLITE_SYNCHRONOUS"},
      {{{"METRICS_TOKEN", "short"}}, "METRICS_TOKEN"},
      {{{"METRICS_TOKEN", "has a space in it, sadly"}}, "METRICS_TOKEN"},
      {{{"DB_STATEMENT_TIMEOUT", "0"}}, "DB_STATEMENT_TIMEOUT"},
      {{{"DB_STATEMENT_TIMEOUT", "forever"}}, "DB_STATEMENT_TIMEOUT"},
      {{{"EVENTS_RETENTION", "0"}}, "EVENTS_RETENTION"},
      {{{"EVENTS_RETENTION", "a day"}}, "EVENTS_RETENTION"},
      {{{"EVENTS_RETENTION", "31536001"}}, "EVENTS_RETENTION"},
  };
  for (const auto& [env, variable] : cases) EXPECT_EQ(failing_variable(env), variable) << variable;
}

TEST(Config, DbStatementTimeoutDefaultsTo30SecondsAndTakesFractions) {
  EXPECT_EQ(load_config({}, {}).db_statement_timeout, std::chrono::seconds(30));
  EXPECT_EQ(load_config({{"DB_STATEMENT_TIMEOUT", "0.25"}}, {}).db_statement_timeout, std::chrono::milliseconds(250));
}

TEST(Config, EventsRetentionDefaultsToADay) {
  EXPECT_EQ(load_config({}, {}).events_retention, std::chrono::seconds(86400));
  EXPECT_EQ(load_config({{"EVENTS_RETENTION", "3600"}}, {}).events_retention, std::chrono::seconds(3600));
}

TEST(Config, TestEnvironmentAllowsCheapBcrypt) {
  EXPECT_EQ(load_config({{"APP_ENV", "test"}, {"BCRYPT_COST", "4"}}, {}).bcrypt_cost, 4);
}

TEST(Config, UnknownOrIncompleteFlagsAreErrors) {
  EXPECT_EQ(failing_variable({}, {"--no-such-thing", "1"}), "--no-such-thing");
  EXPECT_EQ(failing_variable({}, {"--port"}), "PORT");
}

TEST(Config, EverySettingIsDocumentedWithAFlag) {
  for (const auto& o : config_options()) {
    EXPECT_FALSE(std::string(o.help).empty()) << o.variable;
    EXPECT_TRUE(flag_name(o.variable).starts_with("--"));
  }
  EXPECT_EQ(flag_name("MAX_BODY_BYTES"), "--max-body-bytes");
}

TEST(Config, AmqpUrlIsParsedAtStartAndAMistakeNamesTheProblem) {
  try {
    load_config({{"AMQP_URL", "amqp://keel:s3cret@mq:99999/"}}, {});
    ADD_FAILURE() << "a port past 65535 was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "AMQP_URL: port '99999' is not a number in 1..65535");
  }
  EXPECT_EQ(load_config({{"AMQP_URL", "amqp://keel:s3cret@mq/prod"}}, {}).amqp_url, "amqp://keel:s3cret@mq/prod");
}

TEST(Config, AccountMailSettingsFollowApiMdAndRefuseBadValues) {
  const Config d = load_config({}, {});
  EXPECT_EQ(d.smtp_url, "");
  EXPECT_EQ(d.public_url, "");
  EXPECT_EQ(d.verify_token_ttl.count(), 86400);
  EXPECT_EQ(d.reset_token_ttl.count(), 3600);
  EXPECT_EQ(d.mail_throttle.count(), 60);
  EXPECT_FALSE(d.require_verified_email);

  const Config c = load_config({{"SMTP_URL", "smtps://keel:pw@mail.example.com:465"},
                                {"MAIL_FROM", "Acme <no-reply@acme.example>"},
                                {"PUBLIC_URL", "https://app.example.com/"},
                                {"REQUIRE_VERIFIED_EMAIL", "true"},
                                {"MAIL_THROTTLE", "0"}},
                               {});
  EXPECT_EQ(c.smtp_url, "smtps://keel:pw@mail.example.com:465");
  EXPECT_EQ(c.mail_from, "Acme <no-reply@acme.example>");
  EXPECT_EQ(c.public_url, "https://app.example.com");  // links append "/verify-email?..."
  EXPECT_TRUE(c.require_verified_email);
  EXPECT_EQ(c.mail_throttle.count(), 0);

  EXPECT_EQ(failing_variable({{"SMTP_URL", "http://mail.example.com"}}), "SMTP_URL");
  EXPECT_EQ(failing_variable({{"MAIL_FROM", "not an address"}}), "MAIL_FROM");
  EXPECT_EQ(failing_variable({{"MAIL_FROM", "A <a@example.com>\r\nBcc: x@example.com"}}), "MAIL_FROM");
  EXPECT_EQ(failing_variable({{"PUBLIC_URL", "app.example.com"}}), "PUBLIC_URL");
  EXPECT_EQ(failing_variable({{"PUBLIC_URL", "https://app.example.com/?x=1"}}), "PUBLIC_URL");
  EXPECT_EQ(failing_variable({{"VERIFY_TOKEN_TTL", "5"}}), "VERIFY_TOKEN_TTL");
  EXPECT_EQ(failing_variable({{"RESET_TOKEN_TTL", "90000"}}), "RESET_TOKEN_TTL");
  EXPECT_EQ(failing_variable({{"REQUIRE_VERIFIED_EMAIL", "yes"}}), "REQUIRE_VERIFIED_EMAIL");
  EXPECT_EQ(failing_variable({{"MAIL_RETRY_MAX", "0"}}), "MAIL_RETRY_MAX");
}

}  // namespace
}  // namespace keel::app
