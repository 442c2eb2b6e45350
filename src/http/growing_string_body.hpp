#pragma once

// Private to src/http: the request body type the session parses into.

#include <algorithm>
#include <cstdint>
#include <string>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

namespace keel::http {

/// A Beast body held in a std::string, like http::string_body, but whose reader grows the string
/// as bytes arrive instead of reserving the announced Content-Length up front: a client that
/// announces a large body and sends a few bytes must not make the server allocate the whole
/// limit (issue 12, finding 2). It still never allocates past the announced length, so a body
/// that does arrive whole ends in one string of exactly its size.
struct GrowingStringBody {
  using value_type = std::string;

  /// Fills the string from the parser.
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>& /*header*/, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      // Beast has checked the length against the body limit before this is called.
      if (length) announced_ = static_cast<std::size_t>(std::min<std::uint64_t>(*length, body_.max_size()));
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      const std::size_t extra = boost::beast::buffer_bytes(buffers);
      const std::size_t size = body_.size();
      if (extra > body_.max_size() - size) {
        ec = boost::beast::http::error::buffer_overflow;
        return 0;
      }
      if (size + extra > body_.capacity()) {
        // Doubling, as std::string would, but never past what the client announced.
        body_.reserve(std::min(std::max(size + extra, 2 * body_.capacity()), std::max(announced_, size + extra)));
      }
      body_.resize(size + extra);
      char* dest = body_.data() + size;
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        dest = std::copy_n(static_cast<const char*>(b.data()), b.size(), dest);
      }
      ec = {};
      return extra;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
    std::size_t announced_ = static_cast<std::size_t>(-1);  // no Content-Length (chunked): no cap
  };
};

}  // namespace keel::http
