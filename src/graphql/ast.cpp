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
  return type_text(type);
}

}  // namespace keel::graphql
