#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "http/method.hpp"
#include "http/request_headers.hpp"

namespace keel::http {

/// Decoded query parameters in arrival order.
class QueryParams {
 public:
  /// Parses a raw query string (without '?'); throws Error::validation on bad percent-encoding.
  static QueryParams parse(std::string_view raw);
  /// The same for an HTML-form-style query (application/x-www-form-urlencoded), where `+` is a
  /// space: GraphQL's GET parameters, as URLSearchParams writes them.
  static QueryParams parse_form(std::string_view raw);

  /// The first value of `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  auto begin() const noexcept { return params_.begin(); }
  auto end() const noexcept { return params_.end(); }
  bool empty() const noexcept { return params_.empty(); }
  std::size_t size() const noexcept { return params_.size(); }

 private:
  static QueryParams parse_query(std::string_view raw, bool plus_as_space);

  std::vector<std::pair<std::string, std::string>> params_;
};

/// An HTTP request as the application sees it. The session fills it from the parsed message;
/// `query` is filled by prepare_request, the pipeline's last step before the handler.
struct Request {
  Method method = Method::get;
  std::string target;  // as sent: path and query
  std::string path;    // without the query, not percent-decoded
  QueryParams query;
  RequestHeaders headers;
  std::string body;
  /// The parsed JSON body of a POST/PUT/PATCH route, when it had one (the router parses it).
  std::optional<boost::json::value> json;
  std::string remote_address;
};

/// Checks what the HTTP parser leaves to the application and parses the query string of
/// `req.target` into `req.query`. Throws Error::bad_request when the target is not an absolute
/// path (e.g. "*" or "http://host/x") and Error::validation for a malformed query string.
void prepare_request(Request& req);

}  // namespace keel::http
