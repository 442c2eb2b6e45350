#include "resources/resource_schema.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "resources/resource_model.hpp"

namespace keel::resources {
namespace {

namespace json = boost::json;
using storage::ColumnType;
using storage::SqlDialect;

// keel_resource_migrations is created by core migration 3.
constexpr std::string_view kLatest = "SELECT schema FROM keel_resource_migrations ORDER BY id DESC LIMIT 1";
constexpr std::string_view kRecord =
    "INSERT INTO keel_resource_migrations (applied_at, summary, schema) VALUES ($1, $2, $3)";

const char* type_name(FieldType t) {
  switch (t) {
    case FieldType::kString: return "string";
    case FieldType::kText: return "text";
    case FieldType::kInteger: return "integer";
    case FieldType::kNumber: return "number";
    case FieldType::kBoolean: return "boolean";
    case FieldType::kDatetime: return "datetime";
    case FieldType::kEnum: return "enum";
    case FieldType::kEmail: return "email";
    case FieldType::kUrl: return "url";
    case FieldType::kJson: return "json";
    case FieldType::kRef: return "ref";
  }
  return "string";
}

const char* on_delete_name(OnDelete d) {
  switch (d) {
    case OnDelete::kCascade: return "cascade";
    case OnDelete::kRestrict: return "restrict";
    case OnDelete::kSetNull: return "setNull";
  }
  return "restrict";
}

const char* on_delete_sql(std::string_view name) {
  if (name == "cascade") return "CASCADE";
  if (name == "setNull") return "SET NULL";
  return "RESTRICT";
}

// The column type of a stored type name; text-like types compare bytewise in every dialect.
ColumnType column_type(std::string_view type) {
  if (type == "integer") return ColumnType::kInteger;
  if (type == "number") return ColumnType::kNumber;
  if (type == "boolean") return ColumnType::kBoolean;
  if (type == "datetime") return ColumnType::kTimestamp;
  if (type == "json") return ColumnType::kJson;
  if (type == "ref") return ColumnType::kUuid;
  return ColumnType::kText;
}

// Stored names of keel's own columns.
std::string column_sql(std::string_view api_name) {
  if (api_name == "ownerId") return "owner_id";
  if (api_name == "createdAt") return "created_at";
  if (api_name == "updatedAt") return "updated_at";
  return quoted(api_name);
}

// Index and constraint names share one namespace per database and PostgreSQL cuts them at 63
// bytes: long ones end in a hash of the whole name.
std::string object_name(const std::string& table, const std::string& what, const std::string& suffix) {
  std::string name = table + "__" + what + "__" + suffix;
  if (name.size() <= 63) return name;
  const std::size_t h = std::hash<std::string>{}(name);
  return name.substr(0, 45) + "_" + fmt::format("{:016x}", h);
}

struct IndexSpec {
  std::string name;
  std::vector<std::string> columns;  // API names
  bool unique = false;
};

json::object index_json(const IndexSpec& i) {
  json::array cols;
  for (const auto& c : i.columns) cols.emplace_back(c);
  return {{"name", i.name}, {"columns", std::move(cols)}, {"unique", i.unique}};
}

// The indexes a resource has: declared ones, one per ref field and ownerId, and unique fields.
// Every list sort ends with id (the tie-break, in the direction of the last key), so every
// non-unique index ends with id too: a list filtered by the leading columns and sorted by the
// rest reads its page straight off the index, in order, and stops after `limit` rows.
std::vector<IndexSpec> indexes_of(const ResourceDecl& r) {
  std::vector<IndexSpec> out;
  out.push_back({object_name(r.name, "ownerId", "idx"), {"ownerId", "id"}, false});
  for (const auto& f : r.fields) {
    if (f.type == FieldType::kRef) out.push_back({object_name(r.name, f.name, "idx"), {f.name, "id"}, false});
    if (f.unique) out.push_back({object_name(r.name, f.name, "key"), {f.name}, true});
  }
  // Lists under an `owner` rule always filter by ownerId first: each declared index gets an
  // ownerId-led twin, so those lists (and their counts) read only the caller's index entries.
  const auto& list_rule = r.access.at(Operation::kList);
  const bool owner_lists = std::find(list_rule.begin(), list_rule.end(), "owner") != list_rule.end();
  for (const auto& cols : r.indexes) {
    std::string joined;
    for (const auto& c : cols) joined += (joined.empty() ? "" : "_") + c;
    std::vector<std::string> columns = cols;  // the file can't name id: it is always last
    columns.emplace_back("id");
    std::vector<IndexSpec> specs{{object_name(r.name, joined, "idx"), columns, false}};
    if (owner_lists && !cols.empty() && cols.front() != "ownerId") {
      std::vector<std::string> owned{"ownerId"};
      owned.insert(owned.end(), columns.begin(), columns.end());
      specs.push_back({object_name(r.name, "ownerId_" + joined, "idx"), owned, false});
    }
    for (auto& spec : specs) {
      if (std::none_of(out.begin(), out.end(), [&](const IndexSpec& i) { return i.name == spec.name; })) {
        out.push_back(std::move(spec));
      }
    }
  }
  return out;
}

// Lists sort NULL first ascending (API notes); where a dialect's indexes put it last unless
// told, their nullable columns say so, and an index serves both sort directions.
std::string create_index_sql(const std::string& table, const json::object& index, const SqlDialect& d) {
  std::string cols;
  for (const auto& c : index.at("columns").as_array()) {
    const bool nullable = c.as_string() != "id" && c.as_string() != "createdAt" && c.as_string() != "updatedAt";
    cols += (cols.empty() ? "" : ", ") + column_sql(c.as_string());
    if (nullable && !index.at("unique").as_bool()) cols += d.nulls_first();
  }
  return fmt::format("CREATE {}INDEX {} ON {} ({})", index.at("unique").as_bool() ? "UNIQUE " : "",
                     quoted(index.at("name").as_string()), quoted(table), cols);
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

// One column definition; `inline_fk` puts the reference in the column (the only way where
// ALTER TABLE can't add one).
std::string column_def(const std::string& table, const std::string& name, const json::object& f,
                       const SqlDialect& d, bool inline_fk) {
  std::string def = quoted(name) + " " + std::string(d.column_type(column_type(str(f.at("type")))));
  if (inline_fk && f.at("type").as_string() == "ref") {
    def += fmt::format(" CONSTRAINT {} REFERENCES {} (id) ON DELETE {}", quoted(object_name(table, name, "fk")),
                       quoted(f.at("ref").as_string()), on_delete_sql(f.at("onDelete").as_string()));
  }
  return def;
}

std::string add_fk_sql(const std::string& table, const std::string& name, const json::object& f) {
  return fmt::format("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (id) ON DELETE {}",
                     quoted(table), quoted(object_name(table, name, "fk")), quoted(name),
                     quoted(f.at("ref").as_string()), on_delete_sql(f.at("onDelete").as_string()));
}

std::string create_table_sql(const std::string& table, const std::string& sql_name, const json::object& resource,
                             const SqlDialect& d) {
  const std::string_view uuid = d.column_type(ColumnType::kUuid);
  const std::string_view timestamp = d.column_type(ColumnType::kTimestamp);
  std::string sql = fmt::format("CREATE TABLE {} (id {} PRIMARY KEY", quoted(sql_name), uuid);
  for (const auto& [name, f] : resource.at("fields").as_object()) {
    sql += ", " + column_def(table, std::string(name), f.as_object(), d, !d.alters_constraints());
  }
  sql += fmt::format(", owner_id {} REFERENCES users (id) ON DELETE CASCADE", uuid);
  sql += fmt::format(", created_at {} NOT NULL, updated_at {} NOT NULL)", timestamp, timestamp);
  return sql;
}

// The stored default of a new field, for rows that exist before it: a bound value.
std::optional<storage::Value> default_param(const ResourceDecl& r, const std::string& field, const SqlDialect& d) {
  for (const auto& f : r.fields) {
    if (f.name != field || !f.default_value) continue;
    const json::value& v = *f.default_value;
    if (v.is_bool()) return d.bool_value(v.as_bool());
    if (v.is_int64()) return v.as_int64();
    if (v.is_double()) return v.as_double();
    if (v.is_string()) return std::string(v.as_string());
  }
  return std::nullopt;
}

class Planner {
 public:
  Planner(const json::object& applied, const Declarations& decls, const SqlDialect& d)
      : old_(applied.contains("resources") ? applied.at("resources").as_object() : json::object()),
        now_(schema_snapshot(decls).at("resources").as_object()),
        decls_(decls),
        d_(d),
        in_place_(d.alters_constraints()) {}

  SchemaPlan run() {
    std::vector<std::pair<std::string, std::string>> new_fks;  // altered in: after every table exists
    for (const auto& [name, res] : now_) {
      const std::string table(name);
      if (!old_.contains(name)) {
        create_resource(table, res.as_object(), new_fks);
      } else {
        change_resource(table, old_.at(name).as_object(), res.as_object(), new_fks);
      }
    }
    for (const auto& [table, field] : new_fks) {
      step(table + ": reference " + field, false,
           {add_fk_sql(table, field, now_.at(table).at("fields").at(field).as_object())});
    }
    for (const auto& [name, res] : old_) {
      if (now_.contains(name)) continue;
      (void)res;
      const std::string table(name);
      // Its rows go with it, and what its ref fields pointed at stays.
      step(table + ": drop the resource and all its records", true, {d_.drop_table(quoted(table))});
    }
    return std::move(plan_);
  }

 private:
  void step(std::string description, bool destructive, std::vector<std::string> sql) {
    SchemaChange c{std::move(description), destructive, {}};
    for (auto& s : sql) c.steps.push_back({std::move(s), {}});
    plan_.changes.push_back(std::move(c));
  }

  const ResourceDecl& decl(const std::string& table) const {
    return *std::find_if(decls_.resources.begin(), decls_.resources.end(),
                         [&](const ResourceDecl& r) { return r.name == table; });
  }

  void create_resource(const std::string& table, const json::object& res,
                       std::vector<std::pair<std::string, std::string>>& new_fks) {
    std::vector<std::string> sql{create_table_sql(table, table, res, d_)};
    for (const auto& index : res.at("indexes").as_array()) sql.push_back(create_index_sql(table, index.as_object(), d_));
    step(table + ": create the resource", false, std::move(sql));
    if (in_place_) {
      for (const auto& [field, f] : res.at("fields").as_object()) {
        if (f.at("type").as_string() == "ref") new_fks.emplace_back(table, field);
      }
    }
  }

  void change_resource(const std::string& table, const json::object& before, const json::object& after,
                       std::vector<std::pair<std::string, std::string>>& new_fks) {
    const auto& old_fields = before.at("fields").as_object();
    const auto& new_fields = after.at("fields").as_object();
    bool rebuild = false;  // a dropped, retyped or re-referenced column, unless altered in place
    for (const auto& [name, f] : old_fields) {
      const std::string field(name);
      if (!new_fields.contains(name)) {
        step(table + ": drop field " + field + " and its values", true,
             in_place_ ? std::vector<std::string>{"ALTER TABLE " + quoted(table) + " DROP COLUMN " + quoted(field)}
                       : std::vector<std::string>{});
        rebuild = true;
        continue;
      }
      const auto& g = new_fields.at(name).as_object();
      const auto& fo = f.as_object();
      if (fo.at("type") != g.at("type") || fo.at("ref") != g.at("ref")) {
        // A ref that changes target keeps its type: "from ref to ref" would not tell the operator what changes.
        const bool retarget = fo.at("type") == g.at("type");
        step(retarget ? fmt::format("{}: point field {} at {} instead of {}; its values are cleared", table, field,
                                    str(g.at("ref")), str(fo.at("ref")))
                      : fmt::format("{}: retype field {} from {} to {}; its values are cleared", table, field,
                                    str(fo.at("type")), str(g.at("type"))),
             true,
             in_place_ ? std::vector<std::string>{"ALTER TABLE " + quoted(table) + " DROP COLUMN " + quoted(field),
                                                  "ALTER TABLE " + quoted(table) + " ADD COLUMN " +
                                                      column_def(table, field, g, d_, false)}
                       : std::vector<std::string>{});
        if (in_place_ && g.at("type").as_string() == "ref") new_fks.emplace_back(table, field);
        rebuild = true;
      } else if (fo.at("onDelete") != g.at("onDelete") && g.at("type").as_string() == "ref") {
        step(fmt::format("{}: field {} now {} on delete", table, field, str(g.at("onDelete"))), false,
             in_place_ ? std::vector<std::string>{"ALTER TABLE " + quoted(table) + " DROP CONSTRAINT " +
                                                      quoted(object_name(table, field, "fk")),
                                                  add_fk_sql(table, field, g)}
                       : std::vector<std::string>{});
        rebuild = true;
      }
    }
    const bool rebuilt = rebuild && !in_place_;
    if (rebuilt) rebuild_table(table, before, after);
    for (const auto& [name, g] : new_fields) {
      if (old_fields.contains(name)) continue;
      const std::string field(name);
      std::vector<std::string> sql;
      // A rebuilt table has the column already.
      if (!rebuilt) sql.push_back("ALTER TABLE " + quoted(table) + " ADD COLUMN " + column_def(table, field, g.as_object(), d_, !in_place_));
      // A required field without a default would leave every stored record breaking its own
      // declaration: the operator says so explicitly (--allow-destructive), or gives a default.
      const auto& fd = decl(table).fields;
      const auto it = std::find_if(fd.begin(), fd.end(), [&](const FieldDecl& x) { return x.name == field; });
      const bool unfillable = it != fd.end() && it->required && !it->default_value;
      step(unfillable ? table + ": add required field " + field +
                            " without a default (records stored before hold null in it; or give it a default)"
                      : table + ": add field " + field,
           unfillable, std::move(sql));
      if (auto v = default_param(decl(table), field, d_)) {
        // Rows stored before the field existed take its default.
        plan_.changes.back().steps.push_back(
            {"UPDATE " + quoted(table) + " SET " + quoted(field) + " = $1 WHERE " + quoted(field) + " IS NULL", {*v}});
      }
      if (in_place_ && g.at("type").as_string() == "ref") new_fks.emplace_back(table, field);
    }
    if (rebuilt) return;

    const auto& old_indexes = before.at("indexes").as_array();
    const auto& new_indexes = after.at("indexes").as_array();
    auto has = [](const json::array& list, const json::value& index) {
      return std::any_of(list.begin(), list.end(), [&](const json::value& i) { return i == index; });
    };
    for (const auto& index : old_indexes) {
      // A column dropped in place takes its indexes with it (a rebuilt table returned above).
      const bool gone_with_column = std::any_of(
          index.at("columns").as_array().begin(), index.at("columns").as_array().end(), [&](const json::value& c) {
            const auto& name = c.as_string();
            return old_fields.contains(name) &&
                   (!new_fields.contains(name) || old_fields.at(name).at("type") != new_fields.at(name).at("type") ||
                    old_fields.at(name).at("ref") != new_fields.at(name).at("ref"));
          });
      if (!has(new_indexes, index)) {
        step(fmt::format("{}: drop index {}", table, str(index.at("name"))), false,
             gone_with_column ? std::vector<std::string>{}
                              : std::vector<std::string>{"DROP INDEX " + quoted(index.at("name").as_string())});
      } else if (gone_with_column) {
        step(fmt::format("{}: rebuild index {}", table, str(index.at("name"))), false,
             {create_index_sql(table, index.as_object(), d_)});
      }
    }
    for (const auto& index : new_indexes) {
      if (!has(old_indexes, index)) {
        step(fmt::format("{}: create index {}", table, str(index.at("name"))), false,
             {create_index_sql(table, index.as_object(), d_)});
      }
    }
  }

  // Where a column that carries a reference or an index can't be dropped or altered (SQLite),
  // the table is made anew (SQLite's documented twelve steps, foreign keys off for the span):
  // kept columns are copied, then the old table goes and the new one takes its name and indexes.
  void rebuild_table(const std::string& table, const json::object& before, const json::object& after) {
    plan_.rebuilds_tables = true;
    const std::string fresh = table + "__rebuild";
    std::string kept = "id, owner_id, created_at, updated_at";
    for (const auto& [name, f] : after.at("fields").as_object()) {
      const auto* old = before.at("fields").as_object().if_contains(name);
      if (old && old->at("type") == f.at("type") && old->at("ref") == f.at("ref")) kept += ", " + quoted(name);
    }
    std::vector<std::string> sql{create_table_sql(table, fresh, after, d_),
                                 fmt::format("INSERT INTO {} ({}) SELECT {} FROM {}", quoted(fresh), kept, kept,
                                             quoted(table)),
                                 "DROP TABLE " + quoted(table),
                                 fmt::format("ALTER TABLE {} RENAME TO {}", quoted(fresh), quoted(table))};
    for (const auto& index : after.at("indexes").as_array()) sql.push_back(create_index_sql(table, index.as_object(), d_));
    step(table + ": rebuild the table with the changes above", false, std::move(sql));
  }

  json::object old_;
  json::object now_;
  const Declarations& decls_;
  const SqlDialect& d_;
  bool in_place_;  // constraints and constrained columns are altered in place, no table is rebuilt
  SchemaPlan plan_;
};

std::string describe(const SchemaPlan& plan, bool destructive_only) {
  std::string out;
  for (const auto& c : plan.changes) {
    if (!destructive_only || c.destructive) out += "\n  - " + c.description;
  }
  return out;
}

Task<void> apply_plan(storage::Transaction& tx, const SchemaPlan& plan, const json::object& snapshot) {
  for (const auto& change : plan.changes) {
    try {
      for (const auto& s : change.steps) co_await tx.execute(s.sql, s.params);
    } catch (const Error& e) {
      // The database's words alone name no resource and no change: a unique index that stored
      // records break stopped the start with just "name already exists". The operator sees
      // what() (the CLI prints it), so it says which change failed and that nothing was changed.
      throw Error(e.code(), e.message(), e.details(),
                  fmt::format("resources: could not apply \"{}\": {}; nothing was changed", change.description,
                              e.what()));
    }
  }
  std::string summary;
  for (const auto& c : plan.changes) summary += (summary.empty() ? "" : "; ") + c.description;
  storage::Params record{now_timestamp(), std::move(summary), json::serialize(snapshot)};
  co_await tx.execute(std::string(kRecord), std::move(record));
}

Task<json::object> latest_snapshot(storage::Transaction& tx) {
  const storage::Result r = co_await tx.execute(std::string(kLatest));
  if (r.rows.empty()) co_return json::object();
  co_return json::parse(std::get<std::string>(r.rows[0][0])).as_object();
}

}  // namespace

bool SchemaPlan::destructive() const noexcept {
  return std::any_of(changes.begin(), changes.end(), [](const SchemaChange& c) { return c.destructive; });
}

json::object schema_snapshot(const Declarations& decls) {
  json::object resources;
  for (const auto& r : decls.resources) {
    json::object fields;
    for (const auto& f : r.fields) {
      fields[f.name] = json::object{{"type", type_name(f.type)},
                                    {"ref", f.ref_resource},
                                    {"onDelete", f.type == FieldType::kRef ? on_delete_name(f.on_delete) : ""}};
    }
    json::array indexes;
    for (const auto& i : indexes_of(r)) indexes.push_back(index_json(i));
    resources[r.name] = json::object{{"fields", std::move(fields)}, {"indexes", std::move(indexes)}};
  }
  return {{"version", 1}, {"resources", std::move(resources)}};
}

SchemaPlan plan_schema(const json::object& applied, const Declarations& decls, const SqlDialect& dialect) {
  return Planner(applied, decls, dialect).run();
}

Task<SchemaOutcome> migrate_resources(storage::Database& db, const Declarations& decls, bool allow_destructive) {
  const SqlDialect& dialect = db.dialect();
  const json::object snapshot = schema_snapshot(decls);
  SchemaOutcome outcome;
  SchemaPlan plan;
  std::exception_ptr refused;
  auto body = [&](storage::Transaction& tx) -> Task<void> {
    // Shared with the core migrations: one migrating process at a time per database.
    if (!dialect.migration_lock().empty()) co_await tx.execute(std::string(dialect.migration_lock()));
    // Read under the lock: another instance may have just applied the same change.
    const json::object applied = co_await latest_snapshot(tx);
    plan = plan_schema(applied, decls, dialect);
    if (plan.empty()) co_return;
    if (plan.destructive() && !allow_destructive) {
      refused = std::make_exception_ptr(DestructiveChangeError(
          "the resources file removes or retypes stored data, which keel does not do by itself:" +
          describe(plan, true) +
          "\nRun `keel migrate --allow-destructive` (with the same DATABASE_URL and RESOURCES_FILE) to apply "
          "this, or restore the declarations."));
      co_return;
    }
    if (plan.rebuilds_tables) {
      co_await apply_plan(tx, plan, snapshot);
      // Foreign keys were off: check the rebuilt tables before this commits.
      const storage::Result broken = co_await tx.execute(std::string(dialect.foreign_key_check()));
      if (!broken.rows.empty()) throw std::runtime_error("the rebuilt tables break a reference; nothing was changed");
    } else {
      co_await apply_plan(tx, plan, snapshot);
    }
    for (const auto& c : plan.changes) outcome.applied.push_back(c.description);
  };
  if (!dialect.foreign_keys_off().empty()) {
    // Only honoured outside a transaction; only a rebuild needs it, but knowing that takes the
    // plan, and keeping it off for the (start-time) span is harmless.
    co_await db.execute(std::string(dialect.foreign_keys_off()));
  }
  std::exception_ptr failure;
  try {
    co_await db.transaction(body);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!dialect.foreign_keys_on().empty()) co_await db.execute(std::string(dialect.foreign_keys_on()));
  if (failure) std::rethrow_exception(failure);
  if (refused) std::rethrow_exception(refused);
  for (const auto& d : outcome.applied) spdlog::info("resources: {}", d);
  co_return outcome;
}

std::vector<lists::IndexColumns> list_indexes(const ResourceDecl& r) {
  std::vector<lists::IndexColumns> out{{{{"id", false}}, true}};  // the primary key
  for (const IndexSpec& spec : indexes_of(r)) {
    lists::IndexColumns index{{}, spec.unique};
    for (const auto& c : spec.columns) index.columns.push_back({c, false});
    out.push_back(std::move(index));
  }
  return out;
}

std::string auto_index_name(const std::string& table, const lists::IndexColumns& index) {
  std::string what;
  for (const auto& c : index.columns) {
    if (!what.empty()) what += '_';
    if (c.descending) what += '-';  // as in sort=-priority; field names have no '-', so no clash
    what += c.name;
  }
  std::string name = table + "__" + what + "__auto";
  if (name.size() <= 63) return name;
  const std::size_t h = std::hash<std::string>{}(name);
  return fmt::format("{}__{:016x}__auto", table.substr(0, 20), h);
}

std::string create_auto_index_sql(const std::string& table, const lists::IndexColumns& index,
                                  const storage::SqlDialect& d) {
  std::string cols;
  for (const auto& c : index.columns) {
    const bool nullable = c.name != "id" && c.name != "createdAt" && c.name != "updatedAt";
    cols += (cols.empty() ? "" : ", ") + column_sql(c.name);
    if (c.descending) cols += " DESC";
    // As the list's ORDER BY puts NULL: smallest, so first ascending and last descending.
    if (nullable) cols += c.descending ? d.nulls_last() : d.nulls_first();
  }
  return fmt::format("CREATE INDEX {}IF NOT EXISTS {} ON {} ({})", d.build_index_online(),
                     quoted(auto_index_name(table, index)), quoted(table), cols);
}

}  // namespace keel::resources
