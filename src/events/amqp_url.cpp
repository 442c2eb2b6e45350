#include "events/amqp_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

namespace keel::events {

std::string AmqpUrl::redacted() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}@{}{}{}:{}/{}", tls ? "amqps" : "amqp", user, ipv6 ? "[" : "", host, ipv6 ? "]" : "",
                     port, vhost == "/" ? "" : vhost);
}

AmqpUrl parse_amqp_url(std::string_view text) {
  const auto parsed = boost::urls::parse_uri(text);
  if (!parsed) throw AmqpUrlError("not a URL like amqp://user:pass@host:port/vhost (" + parsed.error().message() + ")");
  const boost::urls::url_view url = *parsed;

  AmqpUrl out;
  if (url.scheme() == "amqps") {
    out.tls = true;
    out.port = 5671;
  } else if (url.scheme() != "amqp") {
    throw AmqpUrlError(fmt::format("scheme '{}' is not amqp or amqps", std::string_view(url.scheme())));
  }
  if (!url.has_authority() || url.encoded_host().empty()) {
    throw AmqpUrlError("no host (expected amqp://user:pass@host:port/vhost)");
  }
  if (url.has_query()) throw AmqpUrlError("query parameters are not supported");
  if (url.has_fragment()) throw AmqpUrlError("a fragment (#...) is not allowed");

  if (url.has_userinfo()) {
    out.user = url.user();
    if (out.user.empty()) throw AmqpUrlError("the user name is empty");
    out.password = url.has_password() ? url.password() : "";
  }
  switch (url.host_type()) {
    case boost::urls::host_type::ipv6: out.host = url.host_ipv6_address().to_string(); break;
    case boost::urls::host_type::ipvfuture: throw AmqpUrlError("the host is not a name or an IP address");
    default: out.host = url.host(); break;
  }
  std::string_view path = url.encoded_path();
  if (url.has_port()) {
    std::string port(url.port());
    // Boost.URL 1.81 reads "host:x/v" as port "" and path "x/v": the rest of that port is the
    // path up to its first '/'.
    if (!path.empty() && path.front() != '/') port += path.substr(0, path.find('/'));
    const auto number = url.port_number();
    if (port.empty() || number == 0 || std::to_string(number) != port) {
      throw AmqpUrlError(fmt::format("port '{}' is not a number in 1..65535", port));
    }
    out.port = number;
  }

  // The path is one segment: `/` plus the percent-encoded vhost. No path, or `/` alone, is the
  // default vhost `/` (RabbitMQ's URI spec reads `/` alone as the empty vhost, which no broker has).
  if (!path.empty()) path.remove_prefix(1);  // the `/` after the authority
  if (path.find('/') != std::string_view::npos) {
    throw AmqpUrlError("the vhost may not contain '/' unencoded (write /%2F for the vhost '/')");
  }
  if (!path.empty()) out.vhost = url.path().substr(1);
  return out;
}

}  // namespace keel::events
