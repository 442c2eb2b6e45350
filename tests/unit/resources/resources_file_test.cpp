#include "resources/resources_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

TEST(ResourcesFile, TextDefaultsTo65535Characters) {
  const Declarations d = parse_resources(
      "resources:\n  notes:\n    fields:\n      body: { type: text }\n      short: { type: text, maxLength: 10 }\n"
      "      long: { type: text, maxLength: 100000 }\n",
      "t.yaml");
  EXPECT_EQ(*d.resources[0].fields[0].max_length, 65'535);
  EXPECT_EQ(*d.resources[0].fields[1].max_length, 10);
  EXPECT_EQ(*d.resources[0].fields[2].max_length, 100'000) << "maxLength may raise the default";
}

// A mistake, and where the message must say it is: "bad.yaml:<line>: resource 'r', field 'f': ".
struct Mistake {
  std::string name;
  std::string yaml;
  int line;
  std::string resource;  // "" for a top-level mistake
  std::string field;     // "" for a resource-level one
  std::string what;      // the explanation, somewhere after the place
};

// The place a message must start with.
std::string place(const std::string& origin, const Mistake& m) {
  std::string out = origin + ":" + std::to_string(m.line) + ": ";
  if (!m.resource.empty()) {
    out += "resource '" + m.resource + "'";
    if (!m.field.empty()) out += ", field '" + m.field + "'";
    out += ": ";
  }
  return out;
}

// A file whose tasks resource declares `field` on line 9, between other fields and resources,
// so a message pointing at the first or last line, or at the wrong field, is caught.
std::string tasks_field(const std::string& field) {
  return "# declarations under test\n"                     // 1
         "resources:\n"                                    // 2
         "  projects:\n"                                   // 3
         "    fields:\n"                                   // 4
         "      name: { type: string, required: true }\n"  // 5
         "  tasks:\n"                                      // 6
         "    fields:\n"                                   // 7
         "      title: { type: string }\n"                 // 8
         "      " + field + "\n"                           // 9 (and on, for a block map)
         "      notes: { type: text }\n"
         "  labels:\n"
         "    fields:\n"
         "      text: { type: string }\n";
}

// A file whose tasks resource has `lines` (resource-level keys, indented 4) from line 7 on.
std::string tasks_resource(const std::string& lines, const std::string& roles = "") {
  return roles +                                       // 0 or 1 line, counted by the cases
         "resources:\n"                                // 1
         "  projects:\n"                               // 2
         "    fields:\n"                               // 3
         "      name: { type: string }\n"              // 4
         "  tasks:\n"                                  // 5
         "    fields: { title: { type: string } }\n"   // 6
         + lines +                                     // 7...
         "  labels:\n"
         "    fields: { text: { type: string } }\n";
}

void expect_refused(const std::vector<Mistake>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name + "\n" + c.yaml);
    try {
      parse_resources(c.yaml, "config/bad.yaml");
      ADD_FAILURE() << "accepted";
    } catch (const ResourcesFileError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(place("config/bad.yaml", c), 0), 0u) << "expected it to start with '"
                                                                  << place("config/bad.yaml", c) << "': " << message;
      EXPECT_NE(message.find(c.what), std::string::npos) << message;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a ResourcesFileError, so nothing names the file: " << e.what();
    }
  }
}

TEST(ResourcesFile, UnknownTypesAreRefusedAtTheirField) {
  expect_refused({
      {"flow map", tasks_field("size: { type: int }"), 9, "tasks", "size", "unknown type 'int'"},
      {"block map", tasks_field("size:\n        required: true\n        type: integr"), 11, "tasks", "size",
       "unknown type 'integr'"},
      {"not a scalar", tasks_field("size: { type: [integer] }"), 9, "tasks", "size", "needs a type"},
      {"no type at all", tasks_field("size: { required: true }"), 9, "tasks", "size", "needs a type"},
      {"no type, block map", tasks_field("size:\n        required: true"), 9, "tasks", "size", "needs a type"},
  });
}

TEST(ResourcesFile, UnknownKeysAreRefusedWhereTheyAre) {
  expect_refused({
      {"field key", tasks_field("size: { type: integer, maximum: 5 }"), 9, "tasks", "size", "unknown key 'maximum'"},
      {"field key, block map", tasks_field("size:\n        type: integer\n        maxLen: 5\n        min: 1"), 11,
       "tasks", "size", "unknown key 'maxLen'"},
      {"resource key", tasks_resource("    indexes: [[title]]\n    acess: { list: public }\n"), 8, "tasks", "",
       "unknown key 'acess'"},
      {"resource key instead of fields", "resources:\n  projects:\n    feilds:\n      name: { type: string }\n", 3,
       "projects", "", "unknown key 'feilds'"},
      {"top-level key", "resources:\n  projects:\n    fields: { name: { type: string } }\nrole: [editor]\n", 4, "", "",
       "unknown top-level key 'role'"},
  });
}

TEST(ResourcesFile, RefsToUndeclaredResourcesAreRefused) {
  expect_refused({
      {"undeclared", tasks_field("owner2: { type: ref, resource: people }"), 9, "tasks", "owner2",
       "refers to undeclared resource 'people'"},
      {"users are not a resource", tasks_field("assignee: { type: ref, resource: users }"), 9, "tasks", "assignee",
       "refers to undeclared resource 'users'"},
      {"no resource", tasks_field("project: { type: ref }"), 9, "tasks", "project", "a ref needs resource"},
  });
}

TEST(ResourcesFile, PatternsRe2CannotCompileAreRefused) {
  expect_refused({
      {"unclosed class", tasks_field(R"(code: { type: string, pattern: "[a-z" })"), 9, "tasks", "code",
       "pattern is not a valid RE2 expression"},
      {"backreference", tasks_field(R"(code: { type: string, pattern: "(a)\\1" })"), 9, "tasks", "code",
       "pattern is not a valid RE2 expression"},
  });
}

TEST(ResourcesFile, DefaultsThatBreakTheirOwnFieldAreRefused) {
  expect_refused({
      {"below min", tasks_field("size: { type: integer, min: 1, max: 5, default: 0 }"), 9, "tasks", "size",
       "the default is outside min/max"},
      {"above max", tasks_field("size: { type: integer, min: 1, max: 5, default: 6 }"), 9, "tasks", "size",
       "the default is outside min/max"},
      {"number above max", tasks_field("ratio: { type: number, max: 1.5, default: 1.75 }"), 9, "tasks", "ratio",
       "the default is outside min/max"},
      {"not a whole number", tasks_field("size: { type: integer, default: 2.5 }"), 9, "tasks", "size",
       "'default' must be a whole number"},
      {"longer than maxLength", tasks_field("code: { type: string, maxLength: 3, default: abcd }"), 9, "tasks", "code",
       "the default breaks minLength/maxLength"},
      {"shorter than minLength", tasks_field("code: { type: string, minLength: 3, default: ab }"), 9, "tasks", "code",
       "the default breaks minLength/maxLength"},
      {"longer than the string default of 255",
       tasks_field("code: { type: string, default: " + std::string(256, 'x') + " }"), 9, "tasks", "code",
       "the default breaks minLength/maxLength"},
      {"not one of the enum values", tasks_field("status: { type: enum, values: [todo, done], default: doing }"), 9,
       "tasks", "status", "the default is not one of the values"},
      {"does not match the pattern", tasks_field(R"(code: { type: string, pattern: "^[A-Z]+$", default: abc })"), 9,
       "tasks", "code", "the default does not match the pattern"},
      {"not a date-time", tasks_field("dueAt: { type: datetime, default: tomorrow }"), 9, "tasks", "dueAt",
       "the default is not an RFC 3339 date-time"},
      {"no such day", tasks_field(R"(dueAt: { type: datetime, default: "2025-02-29T10:00:00Z" })"), 9, "tasks", "dueAt",
       "the default is not an RFC 3339 date-time"},
      {"not an email", tasks_field("contact: { type: email, default: nobody }"), 9, "tasks", "contact",
       "the default is not a valid email address"},
      {"holds U+0000", tasks_field(R"(note: { type: text, default: "a\0b" })"), 9, "tasks", "note",
       "the default must not contain U+0000"},
      {"not a boolean", tasks_field("done: { type: boolean, default: maybe }"), 9, "tasks", "done",
       "the default must be true or false"},
      {"on its own line", tasks_field("size:\n        type: integer\n        max: 5\n        default: 9\n"), 12,
       "tasks", "size", "the default is outside min/max"},
  });
}

TEST(ResourcesFile, ReservedFieldNamesAreRefused) {
  std::vector<Mistake> cases;
  for (const std::string name : {"id", "ownerId", "createdAt", "updatedAt"}) {
    cases.push_back({name, tasks_field(name + ": { type: string }"), 9, "tasks", name, "is reserved"});
    cases.push_back({name + " as a block map", tasks_field(name + ":\n        type: string"), 9, "tasks", name,
                     "is reserved"});
  }
  expect_refused(cases);
}

TEST(ResourcesFile, BadAccessRulesAreRefused) {
  expect_refused({
      {"unknown grant", tasks_resource("    access: { list: owner, read: everyone }\n"), 7, "tasks", "",
       "'everyone' is not an access rule"},
      {"unknown grant in a list", tasks_resource("    access:\n      list: owner\n      update: [owner, editors]\n"), 9,
       "tasks", "", "'editors' is not an access rule"},
      {"undeclared role", tasks_resource("    access: { update: \"role:editor\" }\n"), 7, "tasks", "",
       "'role:editor' is not an access rule"},
      {"a role other than the declared one", tasks_resource("    access: { update: \"role:editr\" }\n", "roles: [editor]\n"),
       8, "tasks", "", "'role:editr' is not an access rule"},
      {"unknown operation", tasks_resource("    access:\n      list: owner\n      remove: owner\n"), 9, "tasks", "",
       "unknown operation 'remove' in access"},
  });
}

TEST(ResourcesFile, ResourceNamesKeelUsesAreRefused) {
  std::vector<Mistake> cases;
  for (const std::string name : {"users", "auth", "sessions"}) {
    cases.push_back({name,
                     "resources:\n  projects:\n    fields: { name: { type: string } }\n  " + name +
                         ":\n    fields: { title: { type: string } }\n",
                     4, name, "", "not users, auth or sessions"});
  }
  cases.push_back({"capitalised", "resources:\n  Projects:\n    fields: { name: { type: string } }\n", 2, "Projects", "",
                   "resource names are camelCase identifiers"});
  expect_refused(cases);
}

TEST(ResourcesFile, OtherMistakesAreRefusedWithTheirPlaceToo) {
  expect_refused({
      {"index on an unknown field", tasks_resource("    indexes: [[title], [size]]\n"), 7, "tasks", "",
       "index on unknown field 'size'"},
      {"a field declared twice", tasks_field("title: { type: text }"), 9, "tasks", "title", "declared twice"},
      {"a resource declared twice",
       "resources:\n  projects:\n    fields: { name: { type: string } }\n  projects:\n    fields: { title: { type: string } }\n",
       4, "projects", "", "declared twice"},
      {"values that are not names", tasks_field("status: { type: enum, values: [[todo], done] }"), 9, "tasks", "status",
       "a value of the wrong kind"},
      {"a resource that is not a map", "resources:\n  projects:\n    fields: { name: { type: string } }\n  tasks: 3\n", 4,
       "tasks", "", "needs fields"},
      {"access that is not a map", tasks_resource("    access: [list, read]\n"), 7, "tasks", "", "access is a map"},
      {"indexes that are not lists of fields", tasks_resource("    indexes: title\n"), 7, "tasks", "", "indexes is a list of field lists"},
      {"roles that are not a list", "roles: { editor: true }\nresources:\n  a:\n    fields: { x: { type: string } }\n", 1,
       "", "", "roles is a list of names"},
      {"an empty file", "", 1, "", "", "expected a top-level 'resources:' map"},
      {"not YAML", "resources:\n  projects:\n    fields: [\n", 4, "", "", "not valid YAML"},
  });
}

TEST(ResourcesFile, AMistakeInAFileNamesItsPath) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("keel-resources-file-test-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << tasks_field("size: { type: integer, max: 5, default: 9 }");
  }
  try {
    load_resources_file(path.string());
    ADD_FAILURE() << "accepted";
  } catch (const ResourcesFileError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ":9: resource 'tasks', field 'size': ", 0), 0u) << e.what();
  }
  std::filesystem::remove(path);
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
  try {
    load_resources_file("/nonexistent/keel/resources.yaml");
    ADD_FAILURE() << "a missing file was accepted";
  } catch (const ResourcesFileError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/keel/resources.yaml: cannot be read");
  }
}

}  // namespace
}  // namespace keel::resources
