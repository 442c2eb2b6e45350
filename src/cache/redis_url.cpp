#include "cache/redis_url.hpp"

#include <charconv>
#include <stdexcept>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

namespace keel::cache {
namespace {

[[noreturn]] void bad(const std::string& why) { throw std::invalid_argument(why); }

}  // namespace

std::string RedisEndpoint::display() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string auth;
  if (!password.empty()) auth = fmt::format("{}:***@", user);
  return fmt::format("redis://{}{}{}{}:{}/{}", auth, ipv6 ? "[" : "", host, ipv6 ? "]" : "", port, db);
}

RedisEndpoint parse_redis_url(std::string_view text) {
  const auto parsed = boost::urls::parse_uri(text);
  if (!parsed) bad("not a URL like redis://:password@host:port/db (" + parsed.error().message() + ")");
  const boost::urls::url_view url = *parsed;
  if (url.scheme() != "redis") bad(fmt::format("scheme '{}' is not redis", std::string_view(url.scheme())));
  if (!url.has_authority() || url.encoded_host().empty()) bad("no host (expected redis://:password@host:port/db)");
  if (url.has_query()) bad("query parameters are not supported");
  if (url.has_fragment()) bad("a fragment (#...) is not allowed");

  RedisEndpoint out;
  if (url.has_userinfo()) {
    out.user = url.user();
    out.password = url.has_password() ? url.password() : "";
    if (out.password.empty()) bad("a user without a password (write redis://:password@host or redis://user:password@host)");
  }
  switch (url.host_type()) {
    case boost::urls::host_type::ipv6: out.host = url.host_ipv6_address().to_string(); break;
    case boost::urls::host_type::ipvfuture: bad("the host is not a name or an IP address");
    default: out.host = url.host(); break;
  }
  std::string_view path = url.encoded_path();
  if (url.has_port()) {
    std::string port(url.port());
    // Boost.URL 1.81 reads "host:x/0" as port "" and path "x/0": the rest of that port is the
    // path up to its first '/'.
    if (!path.empty() && path.front() != '/') {
      port += path.substr(0, path.find('/'));
      path.remove_prefix(std::min(path.size(), path.find('/')));
    }
    const auto number = url.port_number();
    if (port.empty() || number == 0 || std::to_string(number) != port) {
      bad(fmt::format("port '{}' is not a number in 1..65535", port));
    }
    out.port = number;
  }
  // The path is the database number: none, "/" or "/<0..15>".
  if (!path.empty()) path.remove_prefix(1);
  if (!path.empty()) {
    int db = -1;
    const auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), db);
    if (ec != std::errc() || end != path.data() + path.size() || db < 0 || db > 15) {
      bad(fmt::format("the database '{}' is not a number in 0..15", path));
    }
    out.db = db;
  }
  return out;
}

}  // namespace keel::cache
