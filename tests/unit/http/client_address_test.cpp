#include "http/middleware/client_address.hpp"

#include <gtest/gtest.h>

namespace keel::http {
namespace {

TEST(AddressSet, MatchesAddressesAndNetworksOfBothFamilies) {
  const AddressSet set({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "2001:db8::1", "172.16.0.0/12"});
  EXPECT_TRUE(set.contains("10.255.3.4"));
  EXPECT_TRUE(set.contains("::ffff:10.1.2.3"));  // IPv4-mapped, as a dual-stack socket reports it
  EXPECT_TRUE(set.contains("192.168.1.7"));
  EXPECT_FALSE(set.contains("192.168.1.8"));
  EXPECT_TRUE(set.contains("172.31.255.255"));
  EXPECT_FALSE(set.contains("172.32.0.0"));
  EXPECT_TRUE(set.contains("fd12:3456::1"));
  EXPECT_TRUE(set.contains("2001:db8::1"));
  EXPECT_FALSE(set.contains("2001:db8::2"));
  EXPECT_FALSE(set.contains("11.0.0.1"));
  EXPECT_FALSE(set.contains("not an address"));
  EXPECT_FALSE(set.contains(""));
  EXPECT_FALSE(AddressSet().contains("127.0.0.1"));
  EXPECT_TRUE(AddressSet({"0.0.0.0/0"}).contains("8.8.8.8"));
}

TEST(AddressSet, RefusesWhatIsNotAnAddressOrCidr) {
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "proxy.local", "", "10.0.0.256"}) {
    EXPECT_FALSE(AddressSet::valid_entry(bad)) << bad;
    EXPECT_THROW(AddressSet({bad}), std::invalid_argument) << bad;
  }
}

TEST(ClientAddress, IsTheRightMostForwardedAddressNotTrusted) {
  const AddressSet trusted({"10.0.0.0/8"});
  using V = std::vector<std::string_view>;
  EXPECT_EQ(client_behind_proxies(trusted, "10.0.0.1", V{}), "10.0.0.1");
  EXPECT_EQ(client_behind_proxies(trusted, "10.0.0.1", V{"203.0.113.7"}), "203.0.113.7");
  // The client may send its own X-Forwarded-For: only what the trusted hops appended counts.
  EXPECT_EQ(client_behind_proxies(trusted, "10.0.0.1", V{"1.1.1.1, 203.0.113.7, 10.2.3.4"}), "203.0.113.7");
  EXPECT_EQ(client_behind_proxies(trusted, "10.0.0.1", V{"1.1.1.1", "203.0.113.7,10.2.3.4"}), "203.0.113.7");
  // All hops trusted: the first one.
  EXPECT_EQ(client_behind_proxies(trusted, "10.0.0.1", V{"10.9.9.9, 10.2.3.4"}), "10.9.9.9");
  // Garbage stops the walk at the hop that wrote it.
  EXPECT_EQ(client_behind_proxies(trusted, "10.0.0.1", V{"203.0.113.7, unknown, 10.2.3.4"}), "10.2.3.4");
  EXPECT_EQ(client_behind_proxies(trusted, "10.0.0.1", V{"not-an-ip"}), "10.0.0.1");
  EXPECT_EQ(client_behind_proxies(trusted, "10.0.0.1", V{" , ,"}), "10.0.0.1");
}

}  // namespace
}  // namespace keel::http
