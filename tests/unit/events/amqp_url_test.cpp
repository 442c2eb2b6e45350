#include "events/amqp_url.hpp"

#include <gtest/gtest.h>

namespace keel::events {
namespace {

TEST(AmqpUrl, TakesTheUrlApart) {
  const AmqpUrl url = parse_amqp_url("amqp://keel:s3cret@mq.example.com:5673/prod");
  EXPECT_FALSE(url.tls);
  EXPECT_EQ(url.user, "keel");
  EXPECT_EQ(url.password, "s3cret");
  EXPECT_EQ(url.host, "mq.example.com");
  EXPECT_EQ(url.port, 5673);
  EXPECT_EQ(url.vhost, "prod");
}

TEST(AmqpUrl, NoPathOrASlashAloneIsTheDefaultVhost) {
  EXPECT_EQ(parse_amqp_url("amqp://u:p@127.0.0.1:5672").vhost, "/");
  EXPECT_EQ(parse_amqp_url("amqp://u:p@127.0.0.1:5672/").vhost, "/");
  EXPECT_EQ(parse_amqp_url("amqp://u:p@127.0.0.1:5672/%2F").vhost, "/");
  EXPECT_EQ(parse_amqp_url("amqp://u:p@127.0.0.1:5672/%2f").vhost, "/");
}

TEST(AmqpUrl, PercentDecodesEveryPart) {
  const AmqpUrl url = parse_amqp_url("amqp://us%40er:p%3Ass%2Fw%25rd@host/a%2Fb%20c");
  EXPECT_EQ(url.user, "us@er");
  EXPECT_EQ(url.password, "p:ss/w%rd");
  EXPECT_EQ(url.vhost, "a/b c");
}

TEST(AmqpUrl, DefaultsForWhatIsLeftOut) {
  const AmqpUrl plain = parse_amqp_url("amqp://localhost");
  EXPECT_EQ(plain.user, "guest");
  EXPECT_EQ(plain.password, "guest");
  EXPECT_EQ(plain.port, 5672);
  const AmqpUrl tls = parse_amqp_url("amqps://u:p@mq.example.com");
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.port, 5671);
  EXPECT_EQ(parse_amqp_url("amqp://u@h").password, "");
}

TEST(AmqpUrl, Ipv6HostsLoseTheirBrackets) {
  const AmqpUrl url = parse_amqp_url("amqp://u:p@[::1]:5672/");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.redacted(), "amqp://u@[::1]:5672/");
}

TEST(AmqpUrl, RedactedLeavesThePasswordOut) {
  EXPECT_EQ(parse_amqp_url("amqp://keel:s3cret@mq:5673/prod").redacted(), "amqp://keel@mq:5673/prod");
  EXPECT_EQ(parse_amqp_url("amqps://keel:s3cret@mq").redacted(), "amqps://keel@mq:5671/");
}

TEST(AmqpUrl, RejectsBadUrlsNamingTheProblemButNeverThePassword) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://u:s3cret@host/", "scheme 'http'"},
      {"redis://x", "scheme 'redis'"},
      {"amqp://", "no host"},
      {"amqp:///vhost", "no host"},
      {"amqp:host", "no host"},
      {"amqp://u:s3cret@host:0/", "port '0'"},
      {"amqp://u:s3cret@host:65536/", "port '65536'"},
      {"amqp://u:s3cret@host:/", "port ''"},
      {"amqp://u:s3cret@host:x/", "port 'x'"},
      {"amqp://u:s3cret@host/a/b", "may not contain '/'"},
      {"amqp://u:s3cret@host/v?heartbeat=10", "query"},
      {"amqp://u:s3cret@host/v#x", "fragment"},
      {"amqp://u:s3cret@host/%zz", "not a URL"},
      {"amqp://:s3cret@host/", "user name is empty"},
      {"", "not a URL"},
  };
  for (const auto& [url, expected] : cases) {
    try {
      parse_amqp_url(url);
      ADD_FAILURE() << url << " was accepted";
    } catch (const AmqpUrlError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << url << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << url << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace keel::events
