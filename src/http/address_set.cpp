#include "http/address_set.hpp"

#include <charconv>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>

namespace keel::http {
namespace {

// The 16 bytes of an address, IPv4 mapped into IPv6, or nullopt when `text` is not one.
std::optional<std::array<unsigned char, 16>> address_bytes(std::string_view text, bool& v4) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (address.is_v4()) {
    v4 = true;
    return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
  }
  const auto v6 = address.to_v6();
  v4 = v6.is_v4_mapped();
  return v6.to_bytes();
}

}  // namespace

AddressSet::AddressSet(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    auto network = parse(entry);
    if (!network) throw std::invalid_argument("'" + entry + "' is not an IP address or CIDR");
    networks_.push_back(*network);
  }
}

bool AddressSet::valid_entry(std::string_view entry) { return parse(entry).has_value(); }

std::optional<AddressSet::Network> AddressSet::parse(std::string_view entry) {
  const auto slash = entry.find('/');
  bool v4 = false;
  auto bytes = address_bytes(entry.substr(0, slash), v4);
  if (!bytes) return std::nullopt;
  Network n{*bytes, 128};
  if (slash != std::string_view::npos) {
    const std::string_view bits = entry.substr(slash + 1);
    unsigned prefix = 0;
    const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (ec != std::errc() || end != bits.data() + bits.size() || bits.empty() || prefix > (v4 ? 32u : 128u)) {
      return std::nullopt;
    }
    n.prefix = v4 ? 96 + prefix : prefix;
  }
  return n;
}

bool AddressSet::contains(std::string_view address) const {
  if (networks_.empty()) return false;
  bool v4 = false;
  const auto bytes = address_bytes(address, v4);
  if (!bytes) return false;
  for (const Network& n : networks_) {
    unsigned bits = n.prefix;
    std::size_t i = 0;
    for (; bits >= 8 && (*bytes)[i] == n.bytes[i]; bits -= 8) ++i;
    if (bits == 0 || (bits < 8 && (((*bytes)[i] ^ n.bytes[i]) & static_cast<unsigned char>(0xff << (8 - bits))) == 0)) {
      return true;
    }
  }
  return false;
}

}  // namespace keel::http
