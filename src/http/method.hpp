#pragma once

#include <ostream>  // Beast 1.81's verb.hpp uses std::ostream without including it
#include <string_view>

#include <boost/beast/http/verb.hpp>

namespace keel::http {

/// An HTTP method: Beast's verb (verb::unknown for a token Beast has no verb for), so the
/// parser's value is used as it is. Its name is to_string(m), a token's verb string_to_verb.
///
/// Until the call sites outside src/http use verb's names (Method::get, Method::delete_), this
/// wrapper converts to and from verb and keeps the old kGet names as well; it then becomes
/// `using Method = boost::beast::http::verb;`.
class Method {
 public:
  using verb = boost::beast::http::verb;
  constexpr Method(verb v = verb::get) noexcept : v_(v) {}
  constexpr operator verb() const noexcept { return v_; }

  static constexpr verb get = verb::get;
  static constexpr verb head = verb::head;
  static constexpr verb post = verb::post;
  static constexpr verb put = verb::put;
  static constexpr verb patch = verb::patch;
  static constexpr verb delete_ = verb::delete_;
  static constexpr verb options = verb::options;
  static constexpr verb unknown = verb::unknown;

  static constexpr verb kGet = verb::get;
  static constexpr verb kHead = verb::head;
  static constexpr verb kPost = verb::post;
  static constexpr verb kPut = verb::put;
  static constexpr verb kPatch = verb::patch;
  static constexpr verb kDelete = verb::delete_;
  static constexpr verb kOptions = verb::options;

 private:
  verb v_;
};

/// "GET", "POST", ... (what boost::beast::http::to_string gives for a verb).
inline std::string_view to_string(Method m) noexcept { return boost::beast::http::to_string(m); }
/// The old name of to_string, until its call sites use that.
inline std::string_view method_name(Method m) noexcept { return to_string(m); }

}  // namespace keel::http
