#include "graphql/schema.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "graphql/parser.hpp"

namespace keel::graphql {
namespace {

NamedType object(std::string name, std::vector<FieldDef> fields) {
  NamedType t;
  t.kind = TypeKind::kObject;
  t.name = std::move(name);
  t.fields = std::move(fields);
  return t;
}

FieldDef field(std::string name, TypeRef type, std::vector<InputValue> arguments = {}) {
  FieldDef f;
  f.name = std::move(name);
  f.type = std::move(type);
  f.arguments = std::move(arguments);
  return f;
}

Value int_value(std::int64_t v) {
  Value value;
  value.kind = IntValue{std::to_string(v), v};
  return value;
}

// A sound little schema: Query { a(n: Int = 1): Color }, enum Color, input Point.
Schema small_schema() {
  Schema s;
  NamedType color;
  color.kind = TypeKind::kEnum;
  color.name = "Color";
  color.values = {{"RED", {}, std::nullopt}, {"BLUE", {}, std::nullopt}};
  s.add_type(color);
  NamedType point;
  point.kind = TypeKind::kInputObject;
  point.name = "Point";
  point.input_fields = {InputValue{"x", {}, non_null(named("Int")), std::nullopt},
                        InputValue{"color", {}, named("Color"), std::nullopt}};
  s.add_type(point);
  s.add_type(object("Query", {field("a", named("Color"), {InputValue{"n", {}, named("Int"), int_value(1)},
                                                          InputValue{"p", {}, named("Point"), std::nullopt}})}));
  s.set_roots("Query", "");
  return s;
}

TEST(GraphqlSchema, TypeRefsPrintAndCompare) {
  const TypeRef t = non_null(list_of(non_null(named("Task"))));
  EXPECT_EQ(to_string(t), "[Task!]!");
  EXPECT_EQ(to_string(t.nullable()), "[Task!]");
  EXPECT_EQ(t.named_type(), "Task");
  EXPECT_TRUE(t.is_list());
  EXPECT_EQ(t, non_null(list_of(non_null(named("Task")))));
  EXPECT_FALSE(t == list_of(non_null(named("Task"))));
  EXPECT_FALSE(t == non_null(list_of(named("Task"))));
  EXPECT_FALSE(named("A") == named("B"));
  EXPECT_EQ(non_null(non_null(named("A"))), non_null(named("A")));
}

TEST(GraphqlSchema, TypeRefsComeFromDocumentTypes) {
  const Document d = parse("query ($v: [[Int!]]!, $w: String) { a }");
  EXPECT_EQ(type_ref(d.operations[0].variables[0].type), non_null(list_of(list_of(non_null(named("Int"))))));
  EXPECT_EQ(type_ref(d.operations[0].variables[1].type), named("String"));
}

TEST(GraphqlSchema, HoldsTheBuiltInScalarsAndFindsTypesAndFields) {
  const Schema s = small_schema();
  for (const char* name : {"ID", "String", "Int", "Float", "Boolean"}) {
    const NamedType* t = s.find_type(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(t->kind, TypeKind::kScalar);
    EXPECT_TRUE(t->built_in);
    EXPECT_FALSE(t->description.empty());
  }
  EXPECT_EQ(s.find_type("Nope"), nullptr);
  ASSERT_NE(s.field_of("Query", "a"), nullptr);
  EXPECT_EQ(s.field_of("Query", "a")->argument("n")->name, "n");
  EXPECT_EQ(s.field_of("Query", "a")->argument("zz"), nullptr);
  EXPECT_EQ(s.field_of("Query", "b"), nullptr);
  EXPECT_EQ(s.field_of("Point", "x"), nullptr);  // an input object has no fields to select
  EXPECT_NE(s.find_type("Point")->input_field("x"), nullptr);
  EXPECT_NE(s.find_type("Color")->value("RED"), nullptr);
  EXPECT_EQ(s.find_type("Color")->value("GREEN"), nullptr);
  // Types are kept by name, bytewise.
  std::vector<std::string> names;
  for (const auto& [name, t] : s.types()) {
    if (!name.starts_with("__")) names.push_back(name);  // introspection types are in every schema
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Boolean", "Color", "Float", "ID", "Int", "Point", "Query", "String"}));
}

TEST(GraphqlSchema, RefusesATypeNameTwice) {
  Schema s = small_schema();
  EXPECT_THROW(s.add_type(object("Query", {field("b", named("Int"))})), std::invalid_argument);
  EXPECT_THROW(s.add_type(object("Int", {field("b", named("Int"))})), std::invalid_argument);
}

TEST(GraphqlSchema, TellsInputTypesFromOutputTypes) {
  const Schema s = small_schema();
  EXPECT_TRUE(s.is_input_type(named("Point")));
  EXPECT_TRUE(s.is_input_type(list_of(named("Color"))));
  EXPECT_FALSE(s.is_input_type(named("Query")));
  EXPECT_FALSE(s.is_input_type(named("Nope")));
  EXPECT_TRUE(s.is_output_type(named("Query")));
  EXPECT_TRUE(s.is_output_type(non_null(named("Color"))));
  EXPECT_FALSE(s.is_output_type(named("Point")));
}

TEST(GraphqlSchema, NamesAreGraphqlNames) {
  for (const char* ok : {"a", "_", "Task", "in_progress", "x1", "__typename"}) EXPECT_TRUE(is_name(ok)) << ok;
  for (const char* bad : {"", "1x", "in-progress", "a b", "é"}) EXPECT_FALSE(is_name(bad)) << bad;
}

TEST(GraphqlSchema, ASoundSchemaHasNoProblems) {
  EXPECT_EQ(schema_problems(small_schema()), std::vector<std::string>{});
}

TEST(GraphqlSchema, FindsWhatIsWrong) {
  Schema s;
  s.set_roots("Query", "Mutation");
  NamedType empty_enum;
  empty_enum.kind = TypeKind::kEnum;
  empty_enum.name = "Empty";
  s.add_type(empty_enum);
  NamedType bad_enum;
  bad_enum.kind = TypeKind::kEnum;
  bad_enum.name = "Bad";
  bad_enum.values = {{"null", {}, std::nullopt}, {"A", {}, std::nullopt}, {"A", {}, std::nullopt}};
  s.add_type(bad_enum);
  NamedType input;
  input.kind = TypeKind::kInputObject;
  input.name = "In";
  input.input_fields = {InputValue{"q", {}, named("Query"), std::nullopt}};
  s.add_type(input);
  Value wrong;
  wrong.kind = StringValue{"x", false};
  s.add_type(object("Query", {field("a", named("In")), field("b", named("Nope")), field("__c", named("Int")),
                              field("d", named("Int"), {InputValue{"n", {}, named("Int"), wrong}}),
                              field("e", named("Int"), {InputValue{"n", {}, named("Int"), int_value(1LL << 40)}}),
                              field("f", named("Bad"), {InputValue{"n", {}, named("Bad"), std::nullopt}})}));
  const std::vector<std::string> expected = {
      "the mutation root type Mutation is not defined",
      "Bad.null: an enum value can't be null",
      "Bad.A is defined twice",
      "enum type Empty has no values",
      "In.q: Query is not an input type",
      "Query.a: In is not an output type",
      "Query.b: unknown type Nope",
      "Query.__c: '__c' starts with __ (introspection's)",
      "Query.d.n: the default value does not fit Int",
      "Query.e.n: the default value does not fit Int",
  };
  EXPECT_EQ(schema_problems(s), expected);
}

TEST(GraphqlSchema, ChecksDefaultValuesAgainstTheirTypes) {
  Schema s = small_schema();
  const auto problems_with = [&](TypeRef type, Value v) {
    Schema copy = s;
    copy.add_type(object("Extra", {field("x", named("Int"), {InputValue{"v", {}, std::move(type), std::move(v)}})}));
    return schema_problems(copy).size();
  };
  const auto parsed = [](const std::string& literal) {
    Document d = parse("{ f(a: " + literal + ") }");
    return std::get<Field>(d.operations[0].selection_set[0]).arguments[0].value;
  };
  EXPECT_EQ(problems_with(named("Color"), parsed("RED")), 0u);
  EXPECT_EQ(problems_with(named("Color"), parsed("GREEN")), 1u);
  EXPECT_EQ(problems_with(named("Color"), parsed("\"RED\"")), 1u);
  EXPECT_EQ(problems_with(list_of(named("Int")), parsed("[1, 2]")), 0u);
  EXPECT_EQ(problems_with(list_of(named("Int")), parsed("1")), 0u);  // one item stands for a list
  EXPECT_EQ(problems_with(list_of(non_null(named("Int"))), parsed("[1, null]")), 1u);
  EXPECT_EQ(problems_with(named("Point"), parsed("{x: 1, color: BLUE}")), 0u);
  EXPECT_EQ(problems_with(named("Point"), parsed("{color: BLUE}")), 1u);  // x is required
  EXPECT_EQ(problems_with(named("Point"), parsed("{x: 1, y: 2}")), 1u);   // no field y
  EXPECT_EQ(problems_with(named("Point"), parsed("{x: 1, x: 2}")), 1u);
  EXPECT_EQ(problems_with(named("Float"), parsed("1")), 0u);
  EXPECT_EQ(problems_with(named("Float"), parsed("1.5")), 0u);
  EXPECT_EQ(problems_with(named("ID"), parsed("7")), 0u);
  EXPECT_EQ(problems_with(named("String"), parsed("null")), 0u);
  EXPECT_EQ(problems_with(non_null(named("String")), parsed("null")), 1u);
}

TEST(GraphqlSchema, KindsHaveIntrospectionNames) {
  EXPECT_EQ(to_string(TypeKind::kScalar), "SCALAR");
  EXPECT_EQ(to_string(TypeKind::kObject), "OBJECT");
  EXPECT_EQ(to_string(TypeKind::kInputObject), "INPUT_OBJECT");
  EXPECT_EQ(to_string(TypeKind::kEnum), "ENUM");
}

}  // namespace
}  // namespace keel::graphql
