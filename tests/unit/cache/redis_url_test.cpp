#include "cache/redis_url.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace keel::cache {
namespace {

std::string problem(const std::string& url) {
  try {
    parse_redis_url(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(RedisUrl, ReadsHostPortPasswordAndDatabase) {
  const RedisEndpoint plain = parse_redis_url("redis://127.0.0.1");
  EXPECT_EQ(plain.host, "127.0.0.1");
  EXPECT_EQ(plain.port, 6379);
  EXPECT_EQ(plain.db, 0);
  EXPECT_TRUE(plain.password.empty());

  const RedisEndpoint full = parse_redis_url("redis://:s%40cret@cache.internal:6380/3");
  EXPECT_EQ(full.host, "cache.internal");
  EXPECT_EQ(full.port, 6380);
  EXPECT_EQ(full.password, "s@cret") << "percent-decoded";
  EXPECT_TRUE(full.user.empty());
  EXPECT_EQ(full.db, 3);
  EXPECT_EQ(full.display(), "redis://:***@cache.internal:6380/3") << "no password in logs";

  const RedisEndpoint acl = parse_redis_url("redis://keel:pw@[::1]:7000/");
  EXPECT_EQ(acl.user, "keel");
  EXPECT_EQ(acl.host, "::1");
  EXPECT_EQ(acl.display(), "redis://keel:***@[::1]:7000/0");
}

TEST(RedisUrl, RefusesWhatItCannotUseSayingWhy) {
  EXPECT_NE(problem("rediss://host").find("not redis"), std::string::npos);
  EXPECT_NE(problem("http://host").find("not redis"), std::string::npos);
  EXPECT_NE(problem("redis://").find("no host"), std::string::npos);
  EXPECT_NE(problem("redis://host:0").find("port"), std::string::npos);
  EXPECT_NE(problem("redis://host:99999").find("port"), std::string::npos);
  EXPECT_NE(problem("redis://host:x/1").find("port"), std::string::npos);
  EXPECT_NE(problem("redis://host/16").find("database"), std::string::npos);
  EXPECT_NE(problem("redis://host/a").find("database"), std::string::npos);
  EXPECT_NE(problem("redis://host/1/2").find("database"), std::string::npos);
  EXPECT_NE(problem("redis://host?x=1").find("query"), std::string::npos);
  EXPECT_NE(problem("redis://user@host").find("password"), std::string::npos);
  EXPECT_NE(problem("not a url").find("not a URL"), std::string::npos);
}

}  // namespace
}  // namespace keel::cache
