#include "resources/resources_file.hpp"

#include <gtest/gtest.h>

namespace keel::resources {
namespace {

#ifndef KEEL_SOURCE_DIR
#error "tests need KEEL_SOURCE_DIR to find the default resources file"
#endif

TEST(ResourcesFile, TheDefaultFileDeclaresProjectsAndTasks) {
  const Declarations d = load_resources_file(std::string(KEEL_SOURCE_DIR) + "/resources.yaml");
  ASSERT_EQ(d.resources.size(), 2u);
  const ResourceDecl& tasks = d.resources[1];
  EXPECT_EQ(tasks.name, "tasks");
  ASSERT_EQ(tasks.fields.size(), 6u);
  const FieldDecl& priority = tasks.fields[3];
  EXPECT_EQ(priority.name, "priority");
  EXPECT_EQ(priority.type, FieldType::kInteger);
  EXPECT_EQ(priority.default_value->as_int64(), 3);
  EXPECT_EQ(*priority.max, 5);
  const FieldDecl& project = tasks.fields[5];
  EXPECT_EQ(project.type, FieldType::kRef);
  EXPECT_EQ(project.ref_resource, "projects");
  EXPECT_EQ(project.on_delete, OnDelete::kCascade);
  EXPECT_EQ(tasks.indexes.size(), 2u);
  EXPECT_EQ(tasks.access.at(Operation::kCreate), AccessRule{"authenticated"});
  const ResourceDecl& projects = d.resources[0];
  EXPECT_EQ(*projects.fields[0].max_length, 120);
  EXPECT_EQ(projects.access.at(Operation::kList), AccessRule{"owner"}) << "the default rules of §5";
}

TEST(ResourcesFile, StringsDefaultTo255Characters) {
  const Declarations d = parse_resources("resources:\n  notes:\n    fields:\n      body: { type: string }\n", "t.yaml");
  EXPECT_EQ(*d.resources[0].fields[0].max_length, 255);
}

struct BadFile {
  std::string name;
  std::string yaml;
  std::string expected;  // a substring of the message
};

TEST(ResourcesFile, EveryKindOfMistakeNamesTheFileLineResourceAndField) {
  const std::vector<BadFile> cases = {
      {"unknown type", "resources:\n  a:\n    fields:\n      x: { type: int }\n",
       "bad.yaml:4: resource 'a', field 'x': unknown type 'int'"},
      {"unknown key", "resources:\n  a:\n    fields:\n      x: { type: string, maxlen: 3 }\n",
       "bad.yaml:4: resource 'a', field 'x': unknown key 'maxlen'"},
      {"undeclared ref", "resources:\n  a:\n    fields:\n      x: { type: ref, resource: nope }\n",
       "bad.yaml:4: resource 'a', field 'x': refers to undeclared resource 'nope'"},
      {"bad regex", "resources:\n  a:\n    fields:\n      x: { type: string, pattern: \"(unclosed\" }\n",
       "resource 'a', field 'x': pattern is not a valid RE2 expression"},
      {"default breaks max", "resources:\n  a:\n    fields:\n      x: { type: integer, max: 5, default: 9 }\n",
       "bad.yaml:4: resource 'a', field 'x': the default is outside min/max"},
      {"default not in enum", "resources:\n  a:\n    fields:\n      x: { type: enum, values: [a, b], default: c }\n",
       "field 'x': the default is not one of the values"},
      {"reserved name", "resources:\n  a:\n    fields:\n      ownerId: { type: string }\n",
       "bad.yaml:4: resource 'a', field 'ownerId': is reserved"},
      {"bad access rule", "resources:\n  a:\n    fields:\n      x: { type: string }\n    access: { list: everyone }\n",
       "bad.yaml:5: resource 'a': 'everyone' is not an access rule"},
      {"undeclared role", "resources:\n  a:\n    fields:\n      x: { type: string }\n    access: { list: role:editor }\n",
       "resource 'a': 'role:editor' is not an access rule"},
      {"unknown resource key", "resources:\n  a:\n    feilds:\n      x: { type: string }\n",
       "bad.yaml:3: resource 'a': unknown key 'feilds'"},
      {"index on unknown field", "resources:\n  a:\n    fields:\n      x: { type: string }\n    indexes: [[y]]\n",
       "resource 'a': index on unknown field 'y'"},
      {"not yaml", "resources: [\n", "bad.yaml:"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    try {
      parse_resources(c.yaml, "bad.yaml");
      ADD_FAILURE() << "accepted";
    } catch (const ResourcesFileError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
    }
  }
}

TEST(ResourcesFile, DeclaredRolesCanBeUsedInAccessRules) {
  const Declarations d = parse_resources(
      "roles: [editor]\nresources:\n  a:\n    fields:\n      x: { type: string }\n"
      "    access: { update: [owner, role:editor] }\n",
      "t.yaml");
  EXPECT_EQ(d.roles, std::vector<std::string>{"editor"});
  EXPECT_EQ(d.resources[0].access.at(Operation::kUpdate), (AccessRule{"owner", "role:editor"}));
}

TEST(ResourcesFile, AMissingFileIsAClearError) {
  EXPECT_THROW(load_resources_file("/nonexistent/resources.yaml"), ResourcesFileError);
}

}  // namespace
}  // namespace keel::resources
