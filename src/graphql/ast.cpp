#include "graphql/ast.hpp"

namespace keel::graphql {

std::string_view to_string(OperationType type) noexcept {
  switch (type) {
    case OperationType::kQuery:
      return "query";
    case OperationType::kMutation:
      return "mutation";
    case OperationType::kSubscription:
      return "subscription";
  }
  return "query";
}

std::string to_string(const Type& type) {
  std::string text;
  if (type.is_list()) {
    // Appended piece by piece: GCC 12 sees a false -Wrestrict in "[" + std::string&&.
    text += '[';
    text += to_string(*type.of_type);
    text += ']';
  } else {
    text = type.name;
  }
  if (type.non_null) text += '!';
  return text;
}

}  // namespace keel::graphql
