#include "graphql/input_values.hpp"

#include <gtest/gtest.h>

#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "graphql/parser.hpp"
#include "unit/graphql/default_schema.hpp"

namespace keel::graphql {
namespace {

namespace json = boost::json;

const Schema& schema() { return test::default_schema(); }

CoercedVariables coerce(const std::string& source, const std::string& variables) {
  const Document document = parse(source);
  return coerce_variables(schema(), document.operations.front(), json::parse(variables).as_object());
}

// The arguments of the first root field of `source`.
json::object root_arguments(const std::string& source, const std::string& variables) {
  const Document document = parse(source);
  const CoercedVariables vars = coerce_variables(schema(), document.operations.front(), json::parse(variables).as_object());
  const Field& field = std::get<Field>(document.operations.front().selection_set.front());
  const FieldDef* def = schema().field_of(schema().query_type(), field.name);
  return argument_values(schema(), def->arguments, field.arguments, vars.values);
}

TEST(CoerceVariables, FillsDefaultsAndKeepsWhatFits) {
  const CoercedVariables out = coerce("query($n: Int = 5, $s: [TaskSort!], $id: ID) { __typename }",
                                      R"({"s": "PRIORITY_DESC", "id": 7})");
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(json::serialize(out.values), R"({"n":5,"s":["PRIORITY_DESC"],"id":"7"})");
}

TEST(CoerceVariables, SaysWhatIsWrongWithEachVariableAsGraphqlJsDoes) {
  const CoercedVariables out = coerce(
      "query($n: Int, $id: ID!, $must: String!, $in: TaskCreateInput!) { __typename }",
      R"({"n": "x", "must": null, "in": {"title": "T", "project": "p", "priority": 1.5, "colour": "red"}})");
  std::vector<std::string> messages;
  for (const auto& e : out.errors) messages.push_back(e.message);
  ASSERT_EQ(messages.size(), 5u) << ::testing::PrintToString(messages);
  EXPECT_EQ(messages[0], R"(Variable "$n" got invalid value "x"; Int cannot represent non-integer value: "x")");
  EXPECT_EQ(messages[1], R"(Variable "$id" of required type "ID!" was not provided.)");
  EXPECT_EQ(messages[2], R"(Variable "$must" of non-null type "String!" must not be null.)");
  EXPECT_NE(messages[3].find(R"(Variable "$in" got invalid value)"), std::string::npos) << messages[3];
  EXPECT_NE(messages[4].find(R"(Variable "$in" got invalid value)"), std::string::npos) << messages[4];
  EXPECT_TRUE(out.values.empty() || !out.values.contains("in"));
}

TEST(ArgumentValues, TakeLiteralsVariablesAndDefaults) {
  EXPECT_EQ(json::serialize(root_arguments("{ tasks { totalCount } }", "{}")), R"({"first":20})");
  EXPECT_EQ(json::serialize(root_arguments(
                "query($f: Int) { tasks(first: $f, sort: PRIORITY_DESC, filter: {status: {in: [todo, done]}}) { totalCount } }",
                R"({"f": 3})")),
            R"({"filter":{"status":{"in":["todo","done"]}},"sort":["PRIORITY_DESC"],"first":3})");
  // A variable not given leaves the argument to its default.
  EXPECT_EQ(json::serialize(root_arguments("query($f: Int) { tasks(first: $f) { totalCount } }", "{}")),
            R"({"first":20})");
}

}  // namespace
}  // namespace keel::graphql
