#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace keel::events {

/// A bad `AMQP_URL`; `what()` names the problem, never the password.
class AmqpUrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Where and how to reach a RabbitMQ broker: `AMQP_URL` taken apart and percent-decoded.
struct AmqpUrl {
  bool tls = false;          // amqps://
  std::string user = "guest";
  std::string password = "guest";
  std::string host;          // a name or an IP address (IPv6 without brackets)
  std::uint16_t port = 5672;  // 5671 for amqps
  std::string vhost = "/";

  /// The URL with the password left out, for logs and error messages.
  std::string redacted() const;
};

/// Parses `amqp://user:pass@host:port[/vhost]` (or `amqps://`): user, password and port may be
/// left out (guest, guest, 5672 or 5671), no path or `/` is vhost `/`, and every part is
/// percent-decoded (`/%2F` is vhost `/`, `/a%2Fb` is `a/b`). Throws AmqpUrlError naming the
/// problem for anything else: another scheme, no host, a port outside 1..65535, a vhost with an
/// unencoded `/`, a query or fragment, bad percent-encoding.
AmqpUrl parse_amqp_url(std::string_view url);

}  // namespace keel::events
