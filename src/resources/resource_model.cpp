#include "resources/resource_model.hpp"

#include <re2/re2.h>

namespace keel::resources {

std::string quoted(std::string_view name) {
  // Built by appending: g++ 12 warns falsely (-Wrestrict) on "\"" + std::string(...).
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  out.append(name);
  out.push_back('"');
  return out;
}

namespace {

lists::Kind kind_of(FieldType t) {
  switch (t) {
    case FieldType::kInteger: return lists::Kind::kInteger;
    case FieldType::kNumber: return lists::Kind::kNumber;
    case FieldType::kBoolean: return lists::Kind::kBoolean;
    case FieldType::kDatetime: return lists::Kind::kDatetime;
    case FieldType::kRef: return lists::Kind::kUuid;
    case FieldType::kJson: return lists::Kind::kJson;
    default: return lists::Kind::kText;
  }
}

// Timestamps in the API's format. PostgreSQL's uuid and jsonb come back as text as they are:
// no `::text`, which would make a list's `ORDER BY id` (output names win there) sort by that
// text, which no index serves.
std::string select_expr(const std::string& column, lists::Kind kind, const storage::SqlDialect& dialect) {
  if (kind == lists::Kind::kDatetime) return dialect.timestamp_text(column);
  return column;
}

Resource build(ResourceDecl decl, const storage::SqlDialect& dialect) {
  Resource r;
  r.table = quoted(decl.name);
  r.catalog.name = decl.name;
  r.catalog.columns.push_back({"id", "id", lists::Kind::kUuid, {}, false, 0});
  r.select_list = select_expr("id", lists::Kind::kUuid, dialect);
  for (const FieldDecl& f : decl.fields) {
    const lists::Kind kind = kind_of(f.type);
    r.catalog.columns.push_back({f.name, quoted(f.name), kind, f.values, true, r.catalog.columns.size()});
    r.select_list += ", " + select_expr(quoted(f.name), kind, dialect);
    r.patterns.push_back(f.pattern ? std::make_shared<const re2::RE2>(*f.pattern) : nullptr);
    if (f.type == FieldType::kRef) r.refs.push_back(f.name);
  }
  const std::size_t n = decl.fields.size();
  r.catalog.columns.push_back({"ownerId", "owner_id", lists::Kind::kUuid, {}, true, n + 1});
  r.catalog.columns.push_back({"createdAt", "created_at", lists::Kind::kDatetime, {}, false, n + 2});
  r.catalog.columns.push_back({"updatedAt", "updated_at", lists::Kind::kDatetime, {}, false, n + 3});
  r.select_list += ", " + select_expr("owner_id", lists::Kind::kUuid, dialect);
  r.select_list += ", " + select_expr("created_at", lists::Kind::kDatetime, dialect);
  r.select_list += ", " + select_expr("updated_at", lists::Kind::kDatetime, dialect);
  r.decl = std::move(decl);
  return r;
}

}  // namespace

int Resource::field_index(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < decl.fields.size(); ++i) {
    if (decl.fields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Model::Model(Declarations decls, const storage::SqlDialect& dialect) : roles_(std::move(decls.roles)) {
  // Resource lookups hand out pointers: reserve so they stay put.
  resources_.reserve(decls.resources.size());
  for (auto& d : decls.resources) resources_.push_back(build(std::move(d), dialect));
}

const Resource* Model::find(std::string_view name) const noexcept {
  for (const auto& r : resources_) {
    if (r.decl.name == name) return &r;
  }
  return nullptr;
}

}  // namespace keel::resources
