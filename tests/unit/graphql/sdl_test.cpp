#include "graphql/sdl.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "graphql/parser.hpp"
#include "graphql/schema_builder.hpp"
#include "resources/resources_file.hpp"
#include "storage/sqlite/sqlite_dialect.hpp"

namespace keel::graphql {
namespace {

constexpr const char* kDeclarations = R"(
roles: [editor]
resources:
  projects:
    fields:
      name: { type: string, required: true, maxLength: 120 }
  tasks:
    fields:
      title:    { type: string, required: true, minLength: 1, maxLength: 200 }
      status:   { type: enum, values: [todo, in_progress, done], default: todo }
      priority: { type: integer, min: 1, max: 5, default: 3 }
      project:  { type: ref, resource: projects, required: true, onDelete: cascade }
)";

std::string printed() {
  const resources::Model model(resources::parse_resources(kDeclarations, "test.yaml"), storage::sqlite_dialect());
  return print_schema(build_schema(model));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, const std::string& line) {
  const auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// What a definition of the printed SDL holds, read back by structure: its keyword, name and the
// names of its members in order (fields, input fields or enum values), descriptions skipped.
struct Definition {
  std::string keyword;
  std::vector<std::string> members;
};

std::map<std::string, Definition> read_back(const std::string& sdl, std::vector<std::string>& order) {
  std::map<std::string, Definition> out;
  const auto lines = lines_of(sdl);
  bool in_description = false;
  Definition* current = nullptr;
  for (const std::string& raw : lines) {
    std::string line = raw;
    const bool indented = line.starts_with("  ");
    line.erase(0, line.find_first_not_of(' '));
    if (line.empty()) continue;
    if (line.starts_with("\"\"\"")) {
      // A one-line """text""" opens and closes; a lone """ toggles.
      if (!(line.size() > 6 && line.ends_with("\"\"\""))) in_description = !in_description;
      continue;
    }
    if (in_description) continue;
    if (!indented) {
      if (line == "}") {
        current = nullptr;
        continue;
      }
      std::istringstream words(line);
      std::string keyword, name;
      words >> keyword >> name;
      order.push_back(name);
      current = &out[name];
      current->keyword = keyword;
      continue;
    }
    if (current) {
      const auto end = line.find_first_of(":( ");
      current->members.push_back(line.substr(0, end));
    }
  }
  return out;
}

TEST(GraphqlSdl, PrintsTheKeyLinesOfSection13) {
  const std::string sdl = printed();
  for (const char* line : {
           "type Query {",
           "  task(id: ID!): Task",
           "  tasks(filter: TaskFilter, sort: [TaskSort!], first: Int = 20, after: String): TaskConnection!",
           "  me: User",
           "  users(filter: UserFilter, sort: [UserSort!], first: Int = 20, after: String): UserConnection!",
           "type Mutation {",
           "  createTask(input: TaskCreateInput!): Task!",
           "  updateTask(id: ID!, input: TaskUpdateInput!): Task!",
           "  deleteTask(id: ID!): ID!",
           "type TaskConnection {",
           "  nodes: [Task!]!",
           "  pageInfo: PageInfo!",
           "  totalCount: Int!",
           "type PageInfo {",
           "  hasNextPage: Boolean!",
           "  endCursor: String",
           "type Task {",
           "  project: Project",
           "  status: TaskStatus",
           "  createdAt: DateTime!",
           "  tasks(filter: TaskFilter, sort: [TaskSort!], first: Int = 20, after: String): TaskConnection!",
           "input TaskFilter {",
           "  status: TaskStatusFilter",
           "  and: [TaskFilter!]",
           "  or: [TaskFilter!]",
           "enum TaskSort {",
           "  PRIORITY_DESC",
           "  CREATED_AT_ASC",
           "input TaskCreateInput {",
           "  title: String!",
           "  status: TaskStatus = todo",
           "  priority: Int = 3",
           "  project: ID!",
           "enum TaskStatus {",
           "  in_progress",
           "scalar DateTime @specifiedBy(url: \"https://datatracker.ietf.org/doc/html/rfc3339\")",
           "  \"\"\"The role: admin, user, editor.\"\"\"",
       }) {
    EXPECT_TRUE(has_line(sdl, line)) << line;
  }
  // The specified scalars are not printed, and Query/Mutation need no schema block.
  for (const char* absent :
       {"scalar String", "scalar Int", "scalar ID", "scalar Boolean", "scalar Float", "schema {"}) {
    EXPECT_FALSE(has_line(sdl, absent)) << absent;
  }
  EXPECT_FALSE(sdl.ends_with("\n"));
  EXPECT_TRUE(sdl.starts_with("\"\"\""));  // BooleanFilter's description comes first
}

TEST(GraphqlSdl, PrintsEveryTypeOnceSortedByNameWithItsMembersInOrder) {
  const resources::Model model(resources::parse_resources(kDeclarations, "test.yaml"), storage::sqlite_dialect());
  const Schema schema = build_schema(model);
  std::vector<std::string> order;
  const auto definitions = read_back(print_schema(schema), order);

  std::vector<std::string> expected_order;
  for (const auto& [name, type] : schema.types()) {
    if (!type.built_in) expected_order.push_back(name);
  }
  EXPECT_EQ(order, expected_order);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));

  const std::map<TypeKind, std::string> keywords = {{TypeKind::kScalar, "scalar"},
                                                    {TypeKind::kObject, "type"},
                                                    {TypeKind::kInputObject, "input"},
                                                    {TypeKind::kEnum, "enum"}};
  std::set<std::string> referenced;
  for (const auto& name : expected_order) {
    const NamedType& type = *schema.find_type(name);
    const Definition& d = definitions.at(name);
    EXPECT_EQ(d.keyword, keywords.at(type.kind)) << name;
    std::vector<std::string> members;
    for (const auto& f : type.fields) {
      members.push_back(f.name);
      referenced.insert(f.type.named_type());
      for (const auto& a : f.arguments) referenced.insert(a.type.named_type());
    }
    for (const auto& f : type.input_fields) {
      members.push_back(f.name);
      referenced.insert(f.type.named_type());
    }
    for (const auto& v : type.values) members.push_back(v.name);
    EXPECT_EQ(d.members, members) << name;
  }
  // Every type a field or argument names is printed, or one of the specified scalars.
  for (const auto& name : referenced) {
    const bool specified = name == "ID" || name == "String" || name == "Int" || name == "Float" || name == "Boolean";
    EXPECT_TRUE(specified || definitions.count(name)) << name;
  }
}

TEST(GraphqlSdl, PrintsDescriptionsLikeGraphqlJs) {
  // Short: one line. Over 70 characters: on lines of their own. Inside a block: indented, and a
  // blank line before every described member but the first.
  EXPECT_EQ(print_description("Short.", ""), "\"\"\"Short.\"\"\"\n");
  const std::string long_text(71, 'x');
  EXPECT_EQ(print_description(long_text, "  "), "  \"\"\"\n  " + long_text + "\n  \"\"\"\n");
  EXPECT_EQ(print_description("two\nlines", "  "), "  \"\"\"\n  two\n  lines\n  \"\"\"\n");
  EXPECT_EQ(print_description("a \"\"\" inside", ""), "\"\"\"a \\\"\"\" inside\"\"\"\n");
  EXPECT_EQ(print_description("ends with a quote\"", ""), "\"\"\"\nends with a quote\"\n\"\"\"\n");
  EXPECT_EQ(print_description(" leading space", ""), "\"\"\" leading space\"\"\"\n");
  // Not printable as a block string (a control character, a blank first line): a quoted string.
  EXPECT_EQ(print_description("bell\x07", ""), "\"bell\\u0007\"\n");
  EXPECT_EQ(print_description("\nfirst line blank", ""), "\"\\nfirst line blank\"\n");
  EXPECT_EQ(print_description("", ""), "");

  Schema s;
  NamedType q;
  q.kind = TypeKind::kObject;
  q.name = "Query";
  q.description = "Root.";
  FieldDef a;
  a.name = "a";
  a.description = "First.";
  a.type = named("Int");
  FieldDef b;
  b.name = "b";
  b.description = "Second.";
  b.type = named("Int");
  FieldDef c;
  c.name = "c";
  c.type = named("Int");
  q.fields = {a, b, c};
  s.add_type(q);
  s.set_roots("Query", "");
  EXPECT_EQ(print_schema(s),
            "\"\"\"Root.\"\"\"\n"
            "type Query {\n"
            "  \"\"\"First.\"\"\"\n"
            "  a: Int\n"
            "\n"
            "  \"\"\"Second.\"\"\"\n"
            "  b: Int\n"
            "  c: Int\n"
            "}");
}

TEST(GraphqlSdl, PrintsArgumentsWithDescriptionsOnLinesOfTheirOwn) {
  Schema s;
  NamedType q;
  q.kind = TypeKind::kObject;
  q.name = "Root";
  FieldDef f;
  f.name = "f";
  f.type = named("Int");
  Value seven;
  seven.kind = IntValue{"7", 7};
  f.arguments = {InputValue{"a", "The a.", named("Int"), seven},
                 InputValue{"b", {}, non_null(named("String")), std::nullopt}};
  q.fields = {f};
  s.add_type(q);
  s.set_roots("Root", "");
  EXPECT_EQ(print_schema(s),
            "schema {\n"
            "  query: Root\n"
            "}\n"
            "\n"
            "type Root {\n"
            "  f(\n"
            "    \"\"\"The a.\"\"\"\n"
            "    a: Int = 7\n"
            "    b: String!\n"
            "  ): Int\n"
            "}");
}

TEST(GraphqlSdl, PrintsEnumsInputsAndScalars) {
  Schema s;
  NamedType e;
  e.kind = TypeKind::kEnum;
  e.name = "Color";
  e.values = {{"RED", {}, std::nullopt}, {"BLUE", "Deep.", std::nullopt}};
  s.add_type(e);
  NamedType in;
  in.kind = TypeKind::kInputObject;
  in.name = "Point";
  Value blue;
  blue.kind = EnumValue{"BLUE"};
  in.input_fields = {InputValue{"color", {}, non_null(named("Color")), blue},
                     InputValue{"tags", {}, list_of(non_null(named("String"))), std::nullopt}};
  s.add_type(in);
  NamedType scalar;
  scalar.kind = TypeKind::kScalar;
  scalar.name = "JSON";
  s.add_type(scalar);
  EXPECT_EQ(print_schema(s),
            "enum Color {\n"
            "  RED\n"
            "\n"
            "  \"\"\"Deep.\"\"\"\n"
            "  BLUE\n"
            "}\n"
            "\n"
            "scalar JSON\n"
            "\n"
            "input Point {\n"
            "  color: Color! = BLUE\n"
            "  tags: [String!]\n"
            "}");
}

TEST(GraphqlSdl, PrintsValuesAndStringsLikeGraphqlJs) {
  const auto value = [](const std::string& literal) {
    Document d = parse("{ f(a: " + literal + ") }");
    return print_value(std::get<Field>(d.operations[0].selection_set[0]).arguments[0].value);
  };
  EXPECT_EQ(value("20"), "20");
  EXPECT_EQ(value("-1.5e3"), "-1.5e3");
  EXPECT_EQ(value("\"a\\\"b\""), "\"a\\\"b\"");
  EXPECT_EQ(value("\"\"\"block\"\"\""), "\"block\"");
  EXPECT_EQ(value("true"), "true");
  EXPECT_EQ(value("null"), "null");
  EXPECT_EQ(value("RED"), "RED");
  EXPECT_EQ(value("[1,2 ,3]"), "[1, 2, 3]");
  EXPECT_EQ(value("{a:1 b:[{c:\"x\"}]}"), "{a: 1, b: [{c: \"x\"}]}");
  EXPECT_EQ(value("$v"), "$v");

  EXPECT_EQ(print_string("tab\there"), "\"tab\\there\"");
  EXPECT_EQ(print_string("back\\slash"), "\"back\\\\slash\"");
  EXPECT_EQ(print_string("\b\f\n\r"), "\"\\b\\f\\n\\r\"");
  EXPECT_EQ(print_string(std::string("nul\0", 4)), "\"nul\\u0000\"");
  EXPECT_EQ(print_string("\x1f\x7f"), "\"\\u001F\\u007F\"");
  EXPECT_EQ(print_string("\xc2\x85 é ☃"), "\"\\u0085 é ☃\"");
}

}  // namespace
}  // namespace keel::graphql
