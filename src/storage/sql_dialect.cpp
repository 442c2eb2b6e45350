#include "storage/sql_dialect.hpp"

namespace keel::storage {

std::string like_escaped(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

}  // namespace keel::storage
