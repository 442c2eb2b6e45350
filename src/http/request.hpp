#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "http/headers.hpp"

namespace keel::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

/// "GET", "POST", ...; "OTHER" for methods keel does not route.
std::string_view method_name(Method m) noexcept;
/// The Method for a request-line token (case-sensitive, as RFC 9110 says).
Method parse_method(std::string_view token) noexcept;

/// Decoded query parameters in arrival order.
class QueryParams {
 public:
  /// Parses a raw query string (without '?'); throws Error::validation on bad percent-encoding.
  static QueryParams parse(std::string_view raw);

  /// The first value of `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  auto begin() const noexcept { return params_.begin(); }
  auto end() const noexcept { return params_.end(); }
  bool empty() const noexcept { return params_.empty(); }
  std::size_t size() const noexcept { return params_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

/// An HTTP request as the application sees it: transport details already checked.
struct Request {
  Method method = Method::kGet;
  std::string target;  // as sent: path and query
  std::string path;    // without the query, not percent-decoded
  QueryParams query;
  Headers headers;
  std::string body;
  /// The parsed JSON body of a POST/PUT/PATCH route, when it had one (the router parses it).
  std::optional<boost::json::value> json;
  std::string remote_address;
};

}  // namespace keel::http
