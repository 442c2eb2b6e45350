#include "http/middleware/client_address.hpp"

#include <utility>

#include "core/text_rules.hpp"

namespace keel::http {

std::string client_behind_proxies(const AddressSet& trusted, std::string_view peer,
                                  const std::vector<std::string_view>& forwarded_for) {
  // The items of every X-Forwarded-For field, left (the first hop) to right (the nearest).
  std::vector<std::string_view> hops;
  for (std::string_view field : forwarded_for) {
    for (std::string_view rest = field; !rest.empty();) {
      const auto comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (!item.empty()) hops.push_back(item);
    }
  }
  std::string_view client = peer;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!AddressSet::valid_entry(*it) || it->find('/') != std::string_view::npos) break;
    client = *it;
    if (!trusted.contains(*it)) break;
  }
  return std::string(client);
}

Middleware client_address_middleware(AddressSet trusted) {
  return [trusted = std::move(trusted)](Request& req, Context& ctx, Next next) -> Task<Response> {
    if (trusted.contains(req.remote_address)) {
      req.remote_address = client_behind_proxies(trusted, req.remote_address, req.headers.get_all("X-Forwarded-For"));
    }
    return next(req, ctx);
  };
}

}  // namespace keel::http
