// plan_schema without a database: which edits of the resources file keel applies by itself at
// start, and which could lose data and wait for `keel migrate --allow-destructive`.
#include "resources/resource_schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "resources/resources_file.hpp"
#include "storage/postgres/postgres_dialect.hpp"
#include "storage/sqlite/sqlite_dialect.hpp"

namespace keel::resources {
namespace {

constexpr const char* kBase = R"(resources:
  projects:
    fields:
      name: { type: string }
  teams:
    fields:
      title: { type: string }
  tasks:
    fields:
      title:   { type: string }
      size:    { type: integer }
      project: { type: ref, resource: projects, onDelete: restrict }
    indexes: [[size]]
)";

std::string edited(std::string yaml, const std::string& from, const std::string& to) {
  const auto at = yaml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) yaml.replace(at, from.size(), to);
  return yaml;
}

const storage::SqlDialect& kSqlite = storage::sqlite_dialect();
const storage::SqlDialect& kPostgres = storage::postgres_dialect();

SchemaPlan plan(const std::string& before, const std::string& after, const storage::SqlDialect& dialect) {
  return plan_schema(schema_snapshot(parse_resources(before, "before.yaml")), parse_resources(after, "after.yaml"),
                     dialect);
}

std::vector<std::string> descriptions(const SchemaPlan& p) {
  std::vector<std::string> out;
  for (const auto& c : p.changes) out.push_back(c.description);
  return out;
}

struct Edit {
  std::string name;
  std::string after;
  bool destructive;
  std::string change;  // one of the plan's descriptions
};

TEST(SchemaPlan, EachKindOfEditIsClassifiedOnBothBackends) {
  const std::vector<Edit> edits = {
      {"new resource", std::string(kBase) + "  labels:\n    fields: { text: { type: string } }\n", false,
       "labels: create the resource"},
      {"new optional field", edited(kBase, "      size:    { type: integer }\n",
                                    "      size:    { type: integer }\n      done: { type: boolean, default: false }\n"),
       false, "tasks: add field done"},
      {"new required field with a default", edited(kBase, "      size:    { type: integer }\n",
                                                   "      size:    { type: integer }\n      rank: { type: integer, required: true, default: 1 }\n"),
       false, "tasks: add field rank"},
      {"new required field without a default", edited(kBase, "      size:    { type: integer }\n",
                                                      "      size:    { type: integer }\n      rank: { type: integer, required: true }\n"),
       true, "tasks: add required field rank without a default (records stored before hold null in it; or give it a default)"},
      {"new index", edited(kBase, "[[size]]", "[[size], [title]]"), false, "tasks: create index tasks__title__idx"},
      {"removed index", edited(kBase, "    indexes: [[size]]\n", ""), false, "tasks: drop index tasks__size__idx"},
      {"new unique", edited(kBase, "name: { type: string }", "name: { type: string, unique: true }"), false,
       "projects: create index projects__name__key"},
      {"other onDelete", edited(kBase, "onDelete: restrict", "onDelete: cascade"), false,
       "tasks: field project now cascade on delete"},
      // Its index goes too: the file would not load otherwise.
      {"dropped field", edited(edited(kBase, "      size:    { type: integer }\n", ""), "    indexes: [[size]]\n", ""),
       true, "tasks: drop field size and its values"},
      {"retyped field", edited(kBase, "size:    { type: integer }", "size:    { type: text }"), true,
       "tasks: retype field size from integer to text; its values are cleared"},
      {"ref to another resource", edited(kBase, "resource: projects", "resource: teams"), true,
       "tasks: point field project at teams instead of projects; its values are cleared"},
      {"dropped resource", edited(kBase, "  teams:\n    fields:\n      title: { type: string }\n", ""), true,
       "teams: drop the resource and all its records"},
  };
  for (const storage::SqlDialect* dialect : {&kSqlite, &kPostgres}) {
    for (const auto& e : edits) {
      SCOPED_TRACE(e.name + (dialect == &kSqlite ? " on sqlite" : " on postgres"));
      const SchemaPlan p = plan(kBase, e.after, *dialect);
      EXPECT_EQ(p.destructive(), e.destructive);
      const auto all = descriptions(p);
      EXPECT_NE(std::find(all.begin(), all.end(), e.change), all.end()) << ::testing::PrintToString(all);
    }
  }
}

TEST(SchemaPlan, TheSameDeclarationsPlanNothing) {
  EXPECT_TRUE(plan(kBase, kBase, kSqlite).empty());
  EXPECT_TRUE(plan(kBase, kBase, kPostgres).empty());
  // Constraints that need no column change need no migration either.
  const std::string stricter = edited(edited(kBase, "name: { type: string }", "name: { type: string, required: true }"),
                                      "size:    { type: integer }", "size:    { type: integer, min: 0, max: 9 }");
  EXPECT_TRUE(plan(kBase, stricter, kSqlite).empty()) << ::testing::PrintToString(
      descriptions(plan(kBase, stricter, kSqlite)));
}

TEST(SchemaPlan, ANewDatabaseGetsEveryResource) {
  const SchemaPlan p = plan_schema({}, parse_resources(kBase, "resources.yaml"), kPostgres);
  EXPECT_FALSE(p.destructive());
  const auto all = descriptions(p);
  for (const char* change : {"projects: create the resource", "teams: create the resource", "tasks: create the resource",
                             "tasks: reference project"}) {
    EXPECT_NE(std::find(all.begin(), all.end(), change), all.end()) << change << ": " << ::testing::PrintToString(all);
  }
}

TEST(SchemaPlan, SqliteRebuildsATableToDropRetypeOrReReference) {
  EXPECT_TRUE(plan(kBase, edited(kBase, "onDelete: restrict", "onDelete: setNull"), kSqlite)
                  .rebuilds_tables);
  EXPECT_TRUE(plan(kBase, edited(kBase, "size:    { type: integer }", "size:    { type: text }"), kSqlite)
                  .rebuilds_tables);
  EXPECT_FALSE(plan(kBase, edited(kBase, "onDelete: restrict", "onDelete: setNull"), kPostgres)
                   .rebuilds_tables);
  EXPECT_FALSE(plan(kBase, edited(kBase, "[[size]]", "[[size], [title]]"), kSqlite).rebuilds_tables)
      << "adding an index is no reason to copy a table";
}

}  // namespace
}  // namespace keel::resources
