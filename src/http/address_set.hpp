#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keel::http {

/// A set of IP addresses and networks ("10.0.0.5", "10.0.0.0/8", "fd00::/8"), e.g. the
/// reverse proxies of TRUSTED_PROXIES. IPv4-mapped IPv6 addresses (::ffff:10.0.0.5) match
/// their IPv4 form.
class AddressSet {
 public:
  /// Throws std::invalid_argument naming the first entry that is not an address or CIDR.
  explicit AddressSet(const std::vector<std::string>& entries = {});

  /// Whether `entry` parses as an address or a CIDR (for checking configuration).
  static bool valid_entry(std::string_view entry);
  bool empty() const noexcept { return networks_.empty(); }
  /// Whether `address` (text, as a peer address or an X-Forwarded-For item) is in the set;
  /// false for text that is not an address.
  bool contains(std::string_view address) const;

 private:
  struct Network {
    std::array<unsigned char, 16> bytes{};  // IPv4 as ::ffff:a.b.c.d
    unsigned prefix = 128;                  // bits that must match, counted on the 16 bytes
  };
  static std::optional<Network> parse(std::string_view entry);
  std::vector<Network> networks_;
};

}  // namespace keel::http
