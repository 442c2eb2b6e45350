#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lists/list_query.hpp"
#include "resources/declarations.hpp"
#include "storage/sql_dialect.hpp"

namespace re2 {
class RE2;
}

namespace keel::resources {

/// Quotes a declared name as an SQL identifier (names are checked identifiers: no quotes).
std::string quoted(std::string_view name);

/// One declared resource with what serving it needs, computed once at start: its SQL names
/// and select list for the dialect, its list catalog and its compiled patterns. Its statements
/// are ResourceStore's.
struct Resource {
  ResourceDecl decl;
  std::string table;        // quoted table name
  std::string select_list;  // id, fields..., owner_id, created_at, updated_at as text/numbers
  lists::Catalog catalog;
  std::vector<std::shared_ptr<const re2::RE2>> patterns;  // per field; null when it has none
  std::vector<std::string> refs;                          // names of its ref fields

  /// The index of a declared field, or -1.
  int field_index(std::string_view name) const noexcept;
  /// Column position in select_list of field i; owner, created and updated follow the fields.
  std::size_t owner_column() const noexcept { return decl.fields.size() + 1; }
  std::size_t created_column() const noexcept { return decl.fields.size() + 2; }
  std::size_t updated_column() const noexcept { return decl.fields.size() + 3; }
};

/// Every declared resource, ready to serve.
class Model {
 public:
  Model(Declarations decls, const storage::SqlDialect& dialect);

  const std::vector<Resource>& resources() const noexcept { return resources_; }
  /// The resource of this name, or null.
  const Resource* find(std::string_view name) const noexcept;
  const std::vector<std::string>& roles() const noexcept { return roles_; }

 private:
  std::vector<Resource> resources_;
  std::vector<std::string> roles_;
};

}  // namespace keel::resources
