#pragma once

#include "http/address_set.hpp"
#include "http/pipeline.hpp"

namespace keel::http {

/// The client address behind trusted reverse proxies (API.md §1): when the peer is in
/// `trusted`, `req.remote_address` becomes the right-most X-Forwarded-For address that is not
/// in `trusted` (the left-most one if all are). Rate limits and the access log then see the
/// client, not the proxy. Requests from other peers keep the peer address, whatever their
/// X-Forwarded-For says.
Middleware client_address_middleware(AddressSet trusted);

/// The rule itself, for a peer already known to be trusted: the client named by the
/// X-Forwarded-For values (in header order), or `peer` when they name none. An item that is
/// not an IP address stops the walk: the hop that wrote it is the client as far as keel can tell.
std::string client_behind_proxies(const AddressSet& trusted, std::string_view peer,
                                  const std::vector<std::string_view>& forwarded_for);

}  // namespace keel::http
