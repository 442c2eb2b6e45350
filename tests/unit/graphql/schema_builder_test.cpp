#include "graphql/schema_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "graphql/sdl.hpp"
#include "resources/resources_file.hpp"
#include "storage/sqlite/sqlite_dialect.hpp"

#ifndef KEEL_SOURCE_DIR
#error "tests need KEEL_SOURCE_DIR to find the resources files"
#endif

namespace keel::graphql {
namespace {

resources::Model model_of(const std::string& yaml) {
  return resources::Model(resources::parse_resources(yaml, "test.yaml"), storage::sqlite_dialect());
}

resources::Model model_from(const std::string& path) {
  return resources::Model(resources::load_resources_file(std::string(KEEL_SOURCE_DIR) + "/" + path),
                          storage::sqlite_dialect());
}

const Schema& default_schema() {
  static const Schema kSchema = build_schema(model_from("resources.yaml"));
  return kSchema;
}

const Schema& every_type_schema() {
  static const Schema kSchema = build_schema(model_from("tests/integration/resources/every_type.yaml"));
  return kSchema;
}

const NamedType& type(const Schema& schema, const std::string& name) {
  const NamedType* t = schema.find_type(name);
  if (!t) throw std::runtime_error("no type " + name);
  return *t;
}

const FieldDef& field(const Schema& schema, const std::string& type_name, const std::string& name) {
  const FieldDef* f = schema.field_of(type_name, name);
  if (!f) throw std::runtime_error("no field " + type_name + "." + name);
  return *f;
}

// "name: Type = default" for each input value, as SDL writes it.
std::vector<std::string> written(const std::vector<InputValue>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::string s = v.name + ": " + to_string(v.type);
    if (v.default_value) {
      s += " = ";
      s += print_value(*v.default_value);
    }
    out.push_back(s);
  }
  return out;
}

// "name: Type" (with arguments) for each field of an object type.
std::vector<std::string> written_fields(const NamedType& t) {
  std::vector<std::string> out;
  for (const auto& f : t.fields) {
    std::string s = f.name;
    if (!f.arguments.empty()) {
      s += "(";
      const auto args = written(f.arguments);
      for (std::size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i];
      s += ")";
    }
    s += ": ";
    s += to_string(f.type);
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> value_names(const NamedType& t) {
  std::vector<std::string> out;
  for (const auto& v : t.values) out.push_back(v.name);
  return out;
}

std::vector<std::string> input_names(const NamedType& t) {
  std::vector<std::string> out;
  for (const auto& v : t.input_fields) out.push_back(v.name);
  return out;
}

std::string refusal(const std::string& yaml) {
  const resources::Model model = model_of(yaml);
  try {
    build_schema(model);
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "(built)";
}

std::vector<std::string> kConnectionArgs(const std::string& type) {
  return {"filter: " + type + "Filter", "sort: [" + type + "Sort!]", "first: Int = 20", "after: String"};
}

TEST(GraphqlSchemaBuilder, BuildsASoundSchemaFromTheRepositoryFiles) {
  EXPECT_EQ(schema_problems(default_schema()), std::vector<std::string>{});
  EXPECT_EQ(schema_problems(every_type_schema()), std::vector<std::string>{});
  EXPECT_EQ(default_schema().query_type(), "Query");
  EXPECT_EQ(default_schema().mutation_type(), "Mutation");
}

TEST(GraphqlSchemaBuilder, QueryHasRecordListMeAndUsers) {
  const Schema& s = default_schema();
  EXPECT_EQ(
      written_fields(type(s, "Query")),
      (std::vector<std::string>{
          "project(id: ID!): Project",
          "projects(filter: ProjectFilter, sort: [ProjectSort!], first: Int = 20, after: String): ProjectConnection!",
          "task(id: ID!): Task",
          "tasks(filter: TaskFilter, sort: [TaskSort!], first: Int = 20, after: String): TaskConnection!",
          "me: User",
          "users(filter: UserFilter, sort: [UserSort!], first: Int = 20, after: String): UserConnection!",
      }));
  EXPECT_EQ(field(s, "Query", "task").binding.kind, Binding::Kind::kRecord);
  EXPECT_EQ(field(s, "Query", "task").binding.resource, "tasks");
  EXPECT_EQ(field(s, "Query", "tasks").binding.kind, Binding::Kind::kList);
  EXPECT_EQ(field(s, "Query", "me").binding.kind, Binding::Kind::kMe);
  EXPECT_EQ(field(s, "Query", "users").binding.kind, Binding::Kind::kUsers);
  const InputValue* first = field(s, "Query", "tasks").argument("first");
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->default_value);
  EXPECT_EQ(std::get<IntValue>(first->default_value->kind).value, 20);
}

TEST(GraphqlSchemaBuilder, RecordTypesHoldTheFieldsWithRefsAsObjects) {
  const Schema& s = default_schema();
  EXPECT_EQ(written_fields(type(s, "Task")),
            (std::vector<std::string>{"id: ID!", "title: String!", "notes: String", "status: TaskStatus",
                                      "priority: Int", "dueAt: DateTime", "project: Project", "ownerId: ID",
                                      "createdAt: DateTime!", "updatedAt: DateTime!"}));
  const FieldDef& project = field(s, "Task", "project");
  EXPECT_EQ(project.binding.kind, Binding::Kind::kRef);
  EXPECT_EQ(project.binding.resource, "projects");
  EXPECT_EQ(project.binding.field, "project");
  EXPECT_EQ(field(s, "Task", "title").binding.kind, Binding::Kind::kProperty);
  EXPECT_EQ(type(s, "TaskStatus").kind, TypeKind::kEnum);
  EXPECT_EQ(value_names(type(s, "TaskStatus")), (std::vector<std::string>{"todo", "in_progress", "done"}));
}

TEST(GraphqlSchemaBuilder, ConnectionsAndPageInfoFollowSection13) {
  const Schema& s = default_schema();
  EXPECT_EQ(written_fields(type(s, "TaskConnection")),
            (std::vector<std::string>{"nodes: [Task!]!", "pageInfo: PageInfo!", "totalCount: Int!"}));
  EXPECT_EQ(written_fields(type(s, "PageInfo")),
            (std::vector<std::string>{"hasNextPage: Boolean!", "endCursor: String"}));
  EXPECT_EQ(written_fields(type(s, "UserConnection")),
            (std::vector<std::string>{"nodes: [User!]!", "pageInfo: PageInfo!", "totalCount: Int!"}));
}

TEST(GraphqlSchemaBuilder, ReferencedTypesGetAReverseConnectionNamedAfterTheReferencingResource) {
  const Schema& s = default_schema();
  const FieldDef& tasks = field(s, "Project", "tasks");
  EXPECT_EQ(to_string(tasks.type), "TaskConnection!");
  EXPECT_EQ(written(tasks.arguments), kConnectionArgs("Task"));
  EXPECT_EQ(tasks.binding.kind, Binding::Kind::kReverse);
  EXPECT_EQ(tasks.binding.resource, "tasks");
  EXPECT_EQ(tasks.binding.field, "project");
  EXPECT_EQ(type(s, "Project").fields.back().name, "tasks");  // after the record's own fields
  EXPECT_EQ(s.field_of("Task", "projects"), nullptr);          // nothing points at tasks
}

TEST(GraphqlSchemaBuilder, SeveralRefsToOneResourceGetConnectionsNamedByTheRef) {
  const Schema& s = every_type_schema();
  std::vector<std::string> group_connections;
  for (const auto& f : type(s, "Group").fields) {
    if (f.binding.kind == Binding::Kind::kReverse) {
      group_connections.push_back(f.name + " " + f.binding.resource + "." + f.binding.field);
    }
  }
  EXPECT_EQ(group_connections, (std::vector<std::string>{"itemsByKeeper items.keeper", "itemsByBlocker items.blocker",
                                                         "itemsByFallback items.fallback", "strict strict.r"}));
  EXPECT_EQ(to_string(field(s, "Vault", "items").type), "ItemConnection!");
  EXPECT_EQ(to_string(field(s, "Vault", "notices").type), "NoticeConnection!");
}

TEST(GraphqlSchemaBuilder, ReverseConnectionTakesTheRefsNameWhenTheResourceNameIsAField) {
  const Schema s = build_schema(model_of(R"(
resources:
  projects:
    fields:
      tasks: { type: integer }
  tasks:
    fields:
      project: { type: ref, resource: projects }
)"));
  EXPECT_EQ(to_string(field(s, "Project", "tasks").type), "BigInt");
  EXPECT_EQ(to_string(field(s, "Project", "tasksByProject").type), "TaskConnection!");
  EXPECT_EQ(schema_problems(s), std::vector<std::string>{});
}

TEST(GraphqlSchemaBuilder, FiltersCarryTheOperatorsListsAllowForEachType) {
  const Schema& s = default_schema();
  EXPECT_EQ(written(type(s, "TaskFilter").input_fields),
            (std::vector<std::string>{"id: IDFilter", "title: StringFilter", "notes: StringFilter",
                                      "status: TaskStatusFilter", "priority: IntFilter", "dueAt: DateTimeFilter",
                                      "project: IDFilter", "ownerId: IDFilter", "createdAt: DateTimeFilter",
                                      "updatedAt: DateTimeFilter", "and: [TaskFilter!]", "or: [TaskFilter!]"}));
  EXPECT_EQ(written(type(s, "StringFilter").input_fields),
            (std::vector<std::string>{"eq: String", "ne: String", "gt: String", "gte: String", "lt: String",
                                      "lte: String", "in: [String!]", "nin: [String!]", "contains: String",
                                      "startsWith: String", "exists: Boolean"}));
  EXPECT_EQ(written(type(s, "IntFilter").input_fields),
            (std::vector<std::string>{"eq: Int", "ne: Int", "gt: Int", "gte: Int", "lt: Int", "lte: Int", "in: [Int!]",
                                      "nin: [Int!]", "exists: Boolean"}));
  EXPECT_EQ(input_names(type(s, "BooleanFilter")), (std::vector<std::string>{"eq", "ne", "in", "nin", "exists"}));
  EXPECT_EQ(input_names(type(s, "DateTimeFilter")),
            (std::vector<std::string>{"eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "exists"}));
  EXPECT_EQ(input_names(type(s, "IDFilter")),
            (std::vector<std::string>{"eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "exists"}));
  // An enum field's filter takes the enum's values; contains/startsWith take text, as in REST.
  EXPECT_EQ(written(type(s, "TaskStatusFilter").input_fields),
            (std::vector<std::string>{"eq: TaskStatus", "ne: TaskStatus", "gt: TaskStatus", "gte: TaskStatus",
                                      "lt: TaskStatus", "lte: TaskStatus", "in: [TaskStatus!]", "nin: [TaskStatus!]",
                                      "contains: String", "startsWith: String", "exists: Boolean"}));

  const Schema& e = every_type_schema();
  EXPECT_EQ(written(type(e, "JSONFilter").input_fields), (std::vector<std::string>{"exists: Boolean"}));
  EXPECT_EQ(to_string(type(e, "ItemFilter").input_field("meta")->type), "JSONFilter");
  EXPECT_EQ(to_string(type(e, "ItemFilter").input_field("big")->type), "BigIntFilter");
  EXPECT_EQ(to_string(type(e, "ItemFilter").input_field("ratio")->type), "FloatFilter");
  EXPECT_EQ(to_string(type(e, "ItemFilter").input_field("kind")->type), "ItemKindFilter");
  EXPECT_EQ(to_string(type(e, "ItemFilter").input_field("contact")->type), "StringFilter");
  EXPECT_EQ(to_string(type(e, "BigIntFilter").input_field("in")->type), "[BigInt!]");
  EXPECT_EQ(type(e, "FloatFilter").input_field("contains"), nullptr);
}

TEST(GraphqlSchemaBuilder, SortEnumsListEverySortableFieldBothWays) {
  const Schema& s = default_schema();
  EXPECT_EQ(value_names(type(s, "TaskSort")),
            (std::vector<std::string>{"ID_ASC", "ID_DESC", "TITLE_ASC", "TITLE_DESC", "NOTES_ASC", "NOTES_DESC",
                                      "STATUS_ASC", "STATUS_DESC", "PRIORITY_ASC", "PRIORITY_DESC", "DUE_AT_ASC",
                                      "DUE_AT_DESC", "PROJECT_ASC", "PROJECT_DESC", "OWNER_ID_ASC", "OWNER_ID_DESC",
                                      "CREATED_AT_ASC", "CREATED_AT_DESC", "UPDATED_AT_ASC", "UPDATED_AT_DESC"}));
  const EnumValueDef* priority = type(s, "TaskSort").value("PRIORITY_DESC");
  ASSERT_TRUE(priority && priority->sort);
  EXPECT_EQ(priority->sort->column, "priority");
  EXPECT_TRUE(priority->sort->descending);
  const EnumValueDef* created = type(s, "TaskSort").value("CREATED_AT_ASC");
  ASSERT_TRUE(created && created->sort);
  EXPECT_EQ(created->sort->column, "createdAt");
  EXPECT_FALSE(created->sort->descending);
  // json can't be sorted on (API.md §6).
  EXPECT_EQ(type(every_type_schema(), "ItemSort").value("META_ASC"), nullptr);
  EXPECT_NE(type(every_type_schema(), "ItemSort").value("FALLBACK_DESC"), nullptr);
}

TEST(GraphqlSchemaBuilder, MutationsCreateUpdateAndDelete) {
  const Schema& s = default_schema();
  EXPECT_EQ(
      written_fields(type(s, "Mutation")),
      (std::vector<std::string>{"createProject(input: ProjectCreateInput!): Project!",
                                "updateProject(id: ID!, input: ProjectUpdateInput!): Project!",
                                "deleteProject(id: ID!): ID!", "createTask(input: TaskCreateInput!): Task!",
                                "updateTask(id: ID!, input: TaskUpdateInput!): Task!", "deleteTask(id: ID!): ID!"}));
  EXPECT_EQ(field(s, "Mutation", "createTask").binding.kind, Binding::Kind::kCreate);
  EXPECT_EQ(field(s, "Mutation", "updateTask").binding.kind, Binding::Kind::kUpdate);
  EXPECT_EQ(field(s, "Mutation", "deleteTask").binding.kind, Binding::Kind::kDelete);
  EXPECT_EQ(field(s, "Mutation", "deleteTask").binding.resource, "tasks");
}

TEST(GraphqlSchemaBuilder, CreateInputsAreNonNullWhereRestRequiresAValueAndShowDefaults) {
  const Schema& s = default_schema();
  EXPECT_EQ(written(type(s, "TaskCreateInput").input_fields),
            (std::vector<std::string>{"title: String!", "notes: String", "status: TaskStatus = todo",
                                      "priority: Int = 3", "dueAt: DateTime", "project: ID!"}));
  EXPECT_EQ(written(type(s, "TaskUpdateInput").input_fields),
            (std::vector<std::string>{"title: String", "notes: String", "status: TaskStatus", "priority: Int",
                                      "dueAt: DateTime", "project: ID"}));
  EXPECT_EQ(written(type(s, "ProjectCreateInput").input_fields),
            (std::vector<std::string>{"name: String!", "description: String", "archived: Boolean = false"}));

  const Schema& e = every_type_schema();
  EXPECT_EQ(
      written(type(e, "StrictCreateInput").input_fields),
      (std::vector<std::string>{"s: String!", "t: String!", "i: BigInt!", "n: Float!", "b: Boolean!", "d: DateTime!",
                                "e: StrictE!", "m: String!", "u: String!", "j: JSON!", "r: ID!"}));
  EXPECT_EQ(written(type(e, "ItemCreateInput").input_fields),
            (std::vector<std::string>{"code: String!", "name: String", "tag: String", "body: String", "count: Int = 7",
                                      "big: BigInt", "ratio: Float", "flag: Boolean = true",
                                      "at: DateTime = \"2026-01-01T00:00:00+01:00\"", "kind: ItemKind = b",
                                      "contact: String", "site: String", "meta: JSON", "keeper: ID", "blocker: ID",
                                      "fallback: ID", "secret: ID"}));
  for (const auto& f : type(e, "StrictUpdateInput").input_fields) {
    EXPECT_FALSE(f.type.non_null) << f.name;
    EXPECT_FALSE(f.default_value) << f.name;
  }
}

TEST(GraphqlSchemaBuilder, RequiredDefaultIsNonNullWithItsDefault) {
  // Required with a default: may be left out (the default applies), never null, as in REST.
  const Schema s = build_schema(model_of(R"(
resources:
  notes:
    fields:
      state: { type: enum, values: [open, closed], required: true, default: open }
      weight: { type: number, default: 1.5 }
      whole: { type: number, default: 2 }
)"));
  EXPECT_EQ(written(type(s, "NoteCreateInput").input_fields),
            (std::vector<std::string>{"state: NoteState! = open", "weight: Float = 1.5", "whole: Float = 2"}));
  EXPECT_EQ(to_string(field(s, "Note", "state").type), "NoteState!");
  EXPECT_EQ(schema_problems(s), std::vector<std::string>{});
}

TEST(GraphqlSchemaBuilder, ScalarsFollowTheFieldTypes) {
  const Schema& e = every_type_schema();
  EXPECT_EQ(written_fields(type(e, "Item")),
            (std::vector<std::string>{"id: ID!",        "code: String!",        "name: String",
                                      "tag: String",    "body: String",         "count: Int",
                                      "big: BigInt",    "ratio: Float",         "flag: Boolean",
                                      "at: DateTime",   "kind: ItemKind",       "contact: String",
                                      "site: String",   "meta: JSON",           "keeper: Group",
                                      "blocker: Group", "fallback: Group",      "secret: Vault",
                                      "ownerId: ID",    "createdAt: DateTime!", "updatedAt: DateTime!"}));
  EXPECT_EQ(type(e, "BigInt").kind, TypeKind::kScalar);
  EXPECT_EQ(type(e, "JSON").kind, TypeKind::kScalar);
  EXPECT_EQ(type(e, "DateTime").specified_by_url, "https://datatracker.ietf.org/doc/html/rfc3339");
  // Only what a file uses: the default file has no 64-bit integer and no json field.
  EXPECT_EQ(default_schema().find_type("BigInt"), nullptr);
  EXPECT_EQ(default_schema().find_type("JSON"), nullptr);
  EXPECT_EQ(default_schema().find_type("JSONFilter"), nullptr);

  // Int only where min and max both keep the values within 32 bits.
  const Schema s = build_schema(model_of(R"(
resources:
  counters:
    fields:
      small: { type: integer, min: -2147483648, max: 2147483647 }
      over: { type: integer, min: 0, max: 2147483648 }
      low: { type: integer, min: 0 }
)"));
  EXPECT_EQ(to_string(field(s, "Counter", "small").type), "Int");
  EXPECT_EQ(to_string(field(s, "Counter", "over").type), "BigInt");
  EXPECT_EQ(to_string(field(s, "Counter", "low").type), "BigInt");
}

TEST(GraphqlSchemaBuilder, UsersFollowSection4) {
  const Schema& s = default_schema();
  EXPECT_EQ(written_fields(type(s, "User")),
            (std::vector<std::string>{"id: ID!", "email: String!", "name: String!", "role: String!",
                                      "emailVerified: Boolean!", "createdAt: DateTime!", "updatedAt: DateTime!"}));
  EXPECT_EQ(written(type(s, "UserFilter").input_fields),
            (std::vector<std::string>{"id: IDFilter", "email: StringFilter", "name: StringFilter", "role: StringFilter",
                                      "createdAt: DateTimeFilter", "updatedAt: DateTimeFilter",
                                      "emailVerified: BooleanFilter", "and: [UserFilter!]", "or: [UserFilter!]"}));
  EXPECT_NE(type(s, "UserSort").value("EMAIL_VERIFIED_DESC"), nullptr);
  EXPECT_NE(type(s, "UserSort").value("CREATED_AT_ASC"), nullptr);
  EXPECT_EQ(field(s, "User", "role").description, "The role: admin, user.");
  EXPECT_EQ(field(every_type_schema(), "User", "role").description, "The role: admin, user, editor, auditor.");
}

TEST(GraphqlSchemaBuilder, EveryTypeAndFieldHasADescription) {
  for (const Schema* s : {&default_schema(), &every_type_schema()}) {
    for (const auto& [name, t] : s->types()) {
      if (name.starts_with("__")) continue;  // introspection: graphql-js describes only some fields
      EXPECT_FALSE(t.description.empty()) << name;
      for (const auto& f : t.fields) EXPECT_FALSE(f.description.empty()) << name << "." << f.name;
      for (const auto& f : t.input_fields) EXPECT_FALSE(f.description.empty()) << name << "." << f.name;
    }
  }
  // From the declaration: its type and constraints.
  EXPECT_EQ(field(default_schema(), "Task", "title").description,
            "A string; required (not empty), 1 to 200 characters.");
  EXPECT_EQ(type(default_schema(), "TaskCreateInput").input_field("priority")->description,
            "A whole number; from 1 to 5, default 3.");
  EXPECT_EQ(type(every_type_schema(), "ItemCreateInput").input_field("code")->description,
            "A string; required (not empty), unique, 3 to 8 characters, matching the pattern `^[A-Z]+-[0-9]+$`.");
}

TEST(GraphqlSchemaBuilder, NamesResourcesBySingularPascalCase) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tasks", "task"},         {"projects", "project"},   {"categories", "category"}, {"addresses", "address"},
      {"boxes", "box"},          {"matches", "match"},      {"wishes", "wish"},         {"statuses", "status"},
      {"taskStatuses", "taskStatus"}, {"status", "status"}, {"analysis", "analysis"},   {"class", "class"},
      {"vault", "vault"},        {"notices", "notice"},     {"s", "s"},                 {"taskComments", "taskComment"},
  };
  for (const auto& [plural, one] : cases) EXPECT_EQ(singular(plural), one) << plural;

  const ResourceNames n = names_of("taskComments");
  EXPECT_EQ(n.type, "TaskComment");
  EXPECT_EQ(n.record_field, "taskComment");
  EXPECT_EQ(n.list_field, "taskComments");
  EXPECT_EQ(n.connection, "TaskCommentConnection");
  EXPECT_EQ(n.filter, "TaskCommentFilter");
  EXPECT_EQ(n.sort, "TaskCommentSort");
  EXPECT_EQ(n.create_input, "TaskCommentCreateInput");
  EXPECT_EQ(n.update_input, "TaskCommentUpdateInput");
  EXPECT_EQ(n.create_mutation, "createTaskComment");
  EXPECT_EQ(n.update_mutation, "updateTaskComment");
  EXPECT_EQ(n.delete_mutation, "deleteTaskComment");
  EXPECT_EQ(enum_type_name("tasks", "status"), "TaskStatus");

  // A name that is its own singular: the record field says ById, the list keeps the name.
  const Schema& e = every_type_schema();
  EXPECT_EQ(written_fields(type(e, "Query"))[2], "vaultById(id: ID!): Vault");
  EXPECT_EQ(to_string(field(e, "Query", "vault").type), "VaultConnection!");

  EXPECT_EQ(screaming_snake_case("dueAt"), "DUE_AT");
  EXPECT_EQ(screaming_snake_case("createdAt"), "CREATED_AT");
  EXPECT_EQ(screaming_snake_case("userID"), "USER_ID");
  EXPECT_EQ(screaming_snake_case("myURLValue"), "MY_URL_VALUE");
  EXPECT_EQ(screaming_snake_case("line2Text"), "LINE2_TEXT");
  EXPECT_EQ(screaming_snake_case("x"), "X");
}

TEST(GraphqlSchemaBuilder, ResourceWithoutFieldsCreatesWithoutInput) {
  const Schema s = build_schema(model_of("resources:\n  pings:\n    fields: {}\n"));
  EXPECT_EQ(written_fields(type(s, "Mutation")),
            (std::vector<std::string>{"createPing: Ping!", "deletePing(id: ID!): ID!"}));
  EXPECT_EQ(s.find_type("PingCreateInput"), nullptr);
  EXPECT_EQ(s.find_type("PingUpdateInput"), nullptr);
  EXPECT_EQ(schema_problems(s), std::vector<std::string>{});
}

TEST(GraphqlSchemaBuilder, NoResourcesStillServesUsersAndNoMutationType) {
  const Schema s = build_schema(resources::Model({}, storage::sqlite_dialect()));
  EXPECT_EQ(s.mutation_type(), "");
  EXPECT_EQ(s.find_type("Mutation"), nullptr);
  EXPECT_EQ(written_fields(type(s, "Query")).size(), 2u);
  EXPECT_EQ(schema_problems(s), std::vector<std::string>{});
}

TEST(GraphqlSchemaBuilder, RefusesTwoResourcesWithOneTypeName) {
  const std::string why = refusal(R"(
resources:
  tasks:
    fields: { title: { type: string } }
  task:
    fields: { title: { type: string } }
)");
  EXPECT_NE(why.find("resource 'task' (line 5)"), std::string::npos) << why;
  EXPECT_NE(why.find("object type would be named Task"), std::string::npos) << why;
  EXPECT_NE(why.find("object type of resource 'tasks' (line 3)"), std::string::npos) << why;
}

TEST(GraphqlSchemaBuilder, RefusesResourcesNamedLikeKeelsOwnTypes) {
  for (const std::string name : {"user", "users2", "pageInfos", "ints", "strings", "dateTimes", "queries",
                                 "mutations", "stringFilters", "bigInts"}) {
    const std::string yaml = "resources:\n  " + name + ":\n    fields: { a: { type: string } }\n";
    const std::string why = refusal(yaml);
    if (name == "users2") {
      EXPECT_EQ(why, "(built)");  // Users2: no clash
      continue;
    }
    EXPECT_NE(why.find("resource '" + name + "'"), std::string::npos) << name << ": " << why;
    EXPECT_TRUE(why.find("keel's own type") != std::string::npos || why.find("built-in scalar") != std::string::npos)
        << name << ": " << why;
  }
}

TEST(GraphqlSchemaBuilder, RefusesAResourceWhoseRootFieldIsTaken) {
  const std::string why = refusal("resources:\n  me:\n    fields: { a: { type: string } }\n");
  EXPECT_NE(why.find("resource 'me'"), std::string::npos) << why;
  EXPECT_NE(why.find("Query.me"), std::string::npos) << why;
}

TEST(GraphqlSchemaBuilder, RefusesFieldsNamedAndOr) {
  for (const std::string name : {"and", "or"}) {
    const std::string why = refusal("resources:\n  tasks:\n    fields:\n      title: { type: string }\n      " + name +
                                    ": { type: boolean }\n");
    EXPECT_NE(why.find("resource 'tasks' (line 2), field '" + name + "' (line 5)"), std::string::npos) << why;
    EXPECT_NE(why.find("TaskFilter combines filters"), std::string::npos) << why;
  }
}

TEST(GraphqlSchemaBuilder, RefusesTwoFieldsWithOneSortValue) {
  const std::string why = refusal(R"(
resources:
  tasks:
    fields:
      userId: { type: string }
      userID: { type: string }
)");
  EXPECT_NE(why.find("field 'userID'"), std::string::npos) << why;
  EXPECT_NE(why.find("USER_ID_ASC"), std::string::npos) << why;
  EXPECT_NE(why.find("field 'userId'"), std::string::npos) << why;
}

TEST(GraphqlSchemaBuilder, RefusesEnumValuesThatAreNotGraphqlNames) {
  for (const std::string value : {"in-progress", "1st", "null", "true", "with space"}) {
    const std::string why =
        refusal("resources:\n  tasks:\n    fields:\n      state: { type: enum, values: [ok, \"" + value + "\"] }\n");
    EXPECT_NE(why.find("resource 'tasks' (line 2), field 'state' (line 4)"), std::string::npos) << value << ": " << why;
    EXPECT_NE(why.find("enum value '" + value + "'"), std::string::npos) << why;
  }
  EXPECT_NE(
      refusal("resources:\n  tasks:\n    fields:\n      state: { type: enum, values: [a, a] }\n").find("listed twice"),
      std::string::npos);
}

TEST(GraphqlSchemaBuilder, RefusesAnEnumTypeNamedLikeAResourceType) {
  const std::string why = refusal(R"(
resources:
  tasks:
    fields:
      status: { type: enum, values: [a, b] }
  taskStatuses:
    fields:
      label: { type: string }
)");
  EXPECT_NE(why.find("resource 'taskStatuses'"), std::string::npos) << why;
  EXPECT_NE(why.find("TaskStatus"), std::string::npos) << why;
  EXPECT_NE(why.find("enum type of resource 'tasks' (line 3), field 'status' (line 5)"), std::string::npos) << why;
}

TEST(GraphqlSchemaBuilder, RefusesAReverseConnectionWhoseNamesAreBothTaken) {
  const std::string why = refusal(R"(
resources:
  projects:
    fields:
      tasks: { type: string }
      tasksByProject: { type: string }
  tasks:
    fields:
      project: { type: ref, resource: projects }
)");
  EXPECT_NE(why.find("resource 'tasks' (line 7), field 'project' (line 9)"), std::string::npos) << why;
  EXPECT_NE(why.find("Project.tasksByProject"), std::string::npos) << why;
}

TEST(GraphqlSchemaBuilder, RefusesNamesBuiltInCodeThatAreNotGraphqlNames) {
  // The resources file admits only identifiers; a Model built another way is checked too.
  resources::Declarations d;
  resources::ResourceDecl r;
  r.name = "tasks";
  resources::FieldDecl f;
  f.name = "bad-name";
  r.fields.push_back(f);
  d.resources.push_back(r);
  try {
    build_schema(resources::Model(d, storage::sqlite_dialect()));
    ADD_FAILURE() << "built";
  } catch (const SchemaError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'bad-name'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace keel::graphql
