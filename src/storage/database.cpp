#include "storage/database.hpp"

#include <stdexcept>

namespace keel::storage {

std::size_t Result::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return i;
  }
  throw std::out_of_range("no column " + std::string(name) + " in result");
}

}  // namespace keel::storage
