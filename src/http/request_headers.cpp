#include "http/request_headers.hpp"

#include "http/request_headers_access.hpp"

namespace keel::http {

using Fields = RequestHeadersAccess::Fields;

RequestHeaders::RequestHeaders() noexcept { new (storage_) Fields(); }

RequestHeaders::RequestHeaders(const RequestHeaders& other) {
  new (storage_) Fields(RequestHeadersAccess::fields(other));
}

RequestHeaders::RequestHeaders(RequestHeaders&& other) noexcept {
  new (storage_) Fields(std::move(RequestHeadersAccess::fields(other)));
}

RequestHeaders& RequestHeaders::operator=(const RequestHeaders& other) {
  RequestHeadersAccess::fields(*this) = RequestHeadersAccess::fields(other);
  return *this;
}

RequestHeaders& RequestHeaders::operator=(RequestHeaders&& other) noexcept {
  RequestHeadersAccess::fields(*this) = std::move(RequestHeadersAccess::fields(other));
  return *this;
}

RequestHeaders::~RequestHeaders() { RequestHeadersAccess::fields(*this).~Fields(); }

std::optional<std::string_view> RequestHeaders::get(std::string_view name) const noexcept {
  const Fields& f = RequestHeadersAccess::fields(*this);
  const auto it = f.find(name);
  if (it == f.end()) return std::nullopt;
  return std::string_view(it->value());
}

std::vector<std::string_view> RequestHeaders::get_all(std::string_view name) const {
  std::vector<std::string_view> out;
  const auto [first, last] = RequestHeadersAccess::fields(*this).equal_range(name);
  for (auto it = first; it != last; ++it) out.emplace_back(it->value());
  return out;
}

void RequestHeaders::add(std::string_view name, std::string_view value) {
  RequestHeadersAccess::fields(*this).insert(name, value);
}

void RequestHeaders::set(std::string_view name, std::string_view value) {
  RequestHeadersAccess::fields(*this).set(name, value);
}

}  // namespace keel::http
