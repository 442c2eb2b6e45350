#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keel::http {

/// A response's header fields, in the order set; names compare case-insensitively.
///
/// Hand-written rather than Beast's fields because it pays: a response is moved up through
/// every layer of the pipeline, and keel_headers_bench measured Content-Type set, Cache-Control
/// added, six layers of moves and serialize_head's walk at 124 ns with this class vs 329 ns
/// with boost::beast::http::fields. (Requests keep Beast's fields: see RequestHeaders.)
class Headers {
 public:
  /// The first value of `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  bool has(std::string_view name) const noexcept { return get(name).has_value(); }
  /// Replaces every field called `name` with one field.
  void set(std::string_view name, std::string value);
  /// Appends a field, keeping others of the same name. CR and LF are removed from the value
  /// and a name containing them is ignored, so no field can split a response.
  void add(std::string_view name, std::string value);
  void erase(std::string_view name);
  /// Room for `n` fields without regrowing.
  void reserve(std::size_t n);

  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }
  std::size_t size() const noexcept { return fields_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// ASCII case-insensitive equality, as HTTP field names and tokens need.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace keel::http
