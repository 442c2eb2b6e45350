#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "core/async.hpp"
#include "lists/list_shape.hpp"
#include "resources/declarations.hpp"
#include "storage/database.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::resources {

/// One statement of a schema change, with its bound values.
struct SchemaStep {
  std::string sql;
  storage::Params params;
};

/// One change between the applied schema and the resources file, in words and in SQL.
struct SchemaChange {
  std::string description;  // e.g. "tasks: add field dueAt"
  bool destructive = false;  // could lose stored data
  std::vector<SchemaStep> steps;
};

/// Everything that brings the database to the resources file.
struct SchemaPlan {
  std::vector<SchemaChange> changes;
  bool rebuilds_tables = false;  // needs foreign keys off for the span (SqlDialect::alters_constraints)

  bool destructive() const noexcept;
  bool empty() const noexcept { return changes.empty(); }
};

/// A schema change that could lose data, refused without --allow-destructive. what() lists the
/// changes and says how to apply them.
class DestructiveChangeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The part of the declarations the database schema depends on, as stored with each change.
boost::json::object schema_snapshot(const Declarations& decls);

/// The changes from `applied` (a snapshot; empty for a new database) to `decls`.
SchemaPlan plan_schema(const boost::json::object& applied, const Declarations& decls,
                       const storage::SqlDialect& dialect);

/// What migrate_resources did.
struct SchemaOutcome {
  std::vector<std::string> applied;  // descriptions of the changes made now
};

/// Brings the resource tables to `decls`: additive changes always; destructive ones only with
/// `allow_destructive` (else DestructiveChangeError, nothing changed). All changes of one run
/// are one transaction, recorded in keel_resource_migrations with the new snapshot; the
/// dialect's migration lock makes concurrent starts apply them once. Throws keel::Error from
/// the database (e.g. a unique index that existing rows violate).
Task<SchemaOutcome> migrate_resources(storage::Database& db, const Declarations& decls, bool allow_destructive);

/// The indexes keel keeps on a resource's table from its declaration (the primary key, owner,
/// refs, unique fields, declared indexes and their owner twins), as lists see them.
std::vector<lists::IndexColumns> list_indexes(const ResourceDecl& r);

/// The name of the automatic index `index` on `table` (unquoted): the same for every instance,
/// ending in "__auto" (declared ones end in "__idx" or "__key").
std::string auto_index_name(const std::string& table, const lists::IndexColumns& index);

/// `CREATE INDEX [CONCURRENTLY] IF NOT EXISTS` of an automatic index: built without blocking
/// writers where the database can (PostgreSQL), NULLs placed as lists sort them.
std::string create_auto_index_sql(const std::string& table, const lists::IndexColumns& index,
                                  const storage::SqlDialect& d);

}  // namespace keel::resources
