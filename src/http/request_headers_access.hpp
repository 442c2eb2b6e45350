#pragma once

// Private to src/http: the Beast fields inside a RequestHeaders, for the session to move the
// parser's fields in.

#include <new>

#include <boost/beast/http/fields.hpp>

#include "http/request_headers.hpp"

namespace keel::http {

/// Reaches the fields a RequestHeaders keeps in place.
struct RequestHeadersAccess {
  using Fields = boost::beast::http::fields;
  static_assert(sizeof(Fields) <= RequestHeaders::kSize && alignof(Fields) <= RequestHeaders::kAlign,
                "RequestHeaders::storage_ must hold a boost::beast::http::fields: grow it");

  static Fields& fields(RequestHeaders& h) noexcept { return *std::launder(reinterpret_cast<Fields*>(h.storage_)); }
  static const Fields& fields(const RequestHeaders& h) noexcept {
    return *std::launder(reinterpret_cast<const Fields*>(h.storage_));
  }
};

}  // namespace keel::http
