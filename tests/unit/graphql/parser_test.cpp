#include "graphql/parser.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace keel::graphql {
namespace {

const Field& as_field(const Selection& selection) {
  EXPECT_TRUE(std::holds_alternative<Field>(selection));
  return std::get<Field>(selection);
}

template <typename T>
const T& as(const Value& value) {
  EXPECT_TRUE(std::holds_alternative<T>(value.kind));
  return std::get<T>(value.kind);
}

// The only field of `{ f(a: <value>) }`'s argument.
Value parse_value(const std::string& value) {
  Document document = parse("{ f(a: " + value + ") }");
  return std::move(as_field(document.operations.at(0).selection_set.at(0)).arguments.at(0).value);
}

Type parse_type(const std::string& type) {
  Document document = parse("query ($v: " + type + ") { a }");
  return std::move(document.operations.at(0).variables.at(0).type);
}

SyntaxError parse_error(std::string_view source, const ParseLimits& limits = {}) {
  try {
    parse(source, limits);
  } catch (const SyntaxError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << source;
  return SyntaxError("none", {});
}

struct ErrorCase {
  std::string source;
  std::string message;
  int line;
  int column;
};

void expect_errors(const std::vector<ErrorCase>& cases) {
  for (const auto& c : cases) {
    const SyntaxError error = parse_error(c.source);
    EXPECT_EQ(std::string(error.what()), c.message) << c.source;
    EXPECT_EQ(error.location(), (Location{c.line, c.column})) << c.source << ": " << error.what();
    EXPECT_FALSE(error.over_limit()) << c.source;
  }
}

constexpr std::string_view kKitchenSink = R"gql(# Every executable construct once.
query queryName($foo: ComplexType, $site: Site = MOBILE, $list: [[Int!]]! = [[1, 2], []]) @onQuery {
  whoever123is: node(id: [123, 456]) {
    id ,
    ... on User @onInlineFragment {
      field2 {
        alias: field1(first: 10, after: $foo,) @include(if: $foo) {
          id,
          ...frag @onFragmentSpread
        }
      }
    }
    ... @skip(unless: $foo) {
      id
    }
    ... {
      id
    }
  }
}

mutation likeStory {
  like(story: 123) @onField {
    story {
      id @onField
    }
  }
}

subscription StoryLikeSubscription($input: StoryLikeSubscribeInput = {a: {b: [1]}} @onVariableDefinition(x: 1))
    @onSubscription {
  storyLikeSubscribe(input: $input) {
    story { likers { count } }
  }
}

fragment frag on Friend @onFragmentDefinition(v: $v) {
  foo(size: $size, bar: $b, obj: {key: "value", block: """
      block string uses \"""
          indented
  """})
}

{
  unnamed(truthy: true, falsy: false, nullish: null, float: -1.5e3, enum: WEST, str: "caf\u00e9 \u{1F600} \uD83D\uDE00 😀"),
  query
}
)gql";

TEST(GraphqlParser, ParsesTheKitchenSink) {
  const Document document = parse(kKitchenSink);
  ASSERT_EQ(document.operations.size(), 4u);
  ASSERT_EQ(document.fragments.size(), 1u);

  // query queryName($foo: ComplexType, $site: Site = MOBILE, $list: [[Int!]]! = [[1, 2], []]) @onQuery
  const OperationDefinition& query = document.operations[0];
  EXPECT_EQ(query.operation, OperationType::kQuery);
  EXPECT_EQ(query.name, "queryName");
  EXPECT_EQ(query.location, (Location{2, 1}));
  ASSERT_EQ(query.variables.size(), 3u);
  EXPECT_EQ(query.variables[0].name, "foo");
  EXPECT_EQ(query.variables[0].location, (Location{2, 17}));
  EXPECT_EQ(to_string(query.variables[0].type), "ComplexType");
  EXPECT_FALSE(query.variables[0].default_value);
  EXPECT_EQ(query.variables[1].name, "site");
  EXPECT_EQ(as<EnumValue>(*query.variables[1].default_value).name, "MOBILE");
  const VariableDefinition& list = query.variables[2];
  EXPECT_EQ(to_string(list.type), "[[Int!]]!");
  EXPECT_TRUE(list.type.non_null);
  ASSERT_TRUE(list.type.is_list());
  EXPECT_FALSE(list.type.of_type->non_null);
  EXPECT_EQ(list.type.of_type->of_type->name, "Int");
  EXPECT_TRUE(list.type.of_type->of_type->non_null);
  EXPECT_EQ(list.type.location, (Location{2, 65}));
  const auto& outer = as<ListValue>(*list.default_value).values;
  ASSERT_EQ(outer.size(), 2u);
  EXPECT_EQ(as<ListValue>(outer[0]).values.size(), 2u);
  EXPECT_EQ(as<IntValue>(as<ListValue>(outer[0]).values[1]).value, 2);
  EXPECT_TRUE(as<ListValue>(outer[1]).values.empty());
  ASSERT_EQ(query.directives.size(), 1u);
  EXPECT_EQ(query.directives[0].name, "onQuery");
  EXPECT_TRUE(query.directives[0].arguments.empty());

  // whoever123is: node(id: [123, 456]) { id, ... on User {...}, ... @skip(...) {...}, ... {...} }
  ASSERT_EQ(query.selection_set.size(), 1u);
  const Field& node = as_field(query.selection_set[0]);
  EXPECT_EQ(node.alias, "whoever123is");
  EXPECT_EQ(node.name, "node");
  EXPECT_EQ(node.response_key(), "whoever123is");
  EXPECT_EQ(node.location, (Location{3, 3}));
  ASSERT_EQ(node.arguments.size(), 1u);
  EXPECT_EQ(node.arguments[0].name, "id");
  EXPECT_EQ(node.arguments[0].location, (Location{3, 22}));
  const auto& ids = as<ListValue>(node.arguments[0].value).values;
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(as<IntValue>(ids[0]).text, "123");
  EXPECT_EQ(as<IntValue>(ids[1]).value, 456);
  EXPECT_EQ(ids[1].location, (Location{3, 32}));
  ASSERT_EQ(node.selection_set.size(), 4u);
  EXPECT_EQ(as_field(node.selection_set[0]).name, "id");
  EXPECT_FALSE(as_field(node.selection_set[0]).alias);
  EXPECT_EQ(as_field(node.selection_set[0]).response_key(), "id");
  EXPECT_TRUE(as_field(node.selection_set[0]).selection_set.empty());

  const auto& on_user = std::get<InlineFragment>(node.selection_set[1]);
  EXPECT_EQ(on_user.type_condition, "User");
  EXPECT_EQ(on_user.location, (Location{5, 5}));
  ASSERT_EQ(on_user.directives.size(), 1u);
  EXPECT_EQ(on_user.directives[0].name, "onInlineFragment");
  EXPECT_EQ(on_user.directives[0].location, (Location{5, 17}));
  const Field& field2 = as_field(on_user.selection_set.at(0));
  const Field& field1 = as_field(field2.selection_set.at(0));
  EXPECT_EQ(field1.alias, "alias");
  EXPECT_EQ(field1.name, "field1");
  ASSERT_EQ(field1.arguments.size(), 2u);
  EXPECT_EQ(as<IntValue>(field1.arguments[0].value).value, 10);
  EXPECT_EQ(as<Variable>(field1.arguments[1].value).name, "foo");
  EXPECT_EQ(field1.arguments[1].value.location, (Location{7, 41}));
  ASSERT_EQ(field1.directives.size(), 1u);
  EXPECT_EQ(field1.directives[0].name, "include");
  EXPECT_EQ(as<Variable>(field1.directives[0].arguments.at(0).value).name, "foo");
  ASSERT_EQ(field1.selection_set.size(), 2u);
  const auto& spread = std::get<FragmentSpread>(field1.selection_set[1]);
  EXPECT_EQ(spread.name, "frag");
  EXPECT_EQ(spread.location, (Location{9, 11}));
  EXPECT_EQ(spread.directives.at(0).name, "onFragmentSpread");

  const auto& skipped = std::get<InlineFragment>(node.selection_set[2]);
  EXPECT_FALSE(skipped.type_condition);
  EXPECT_EQ(skipped.directives.at(0).name, "skip");
  EXPECT_EQ(as_field(skipped.selection_set.at(0)).name, "id");
  const auto& bare = std::get<InlineFragment>(node.selection_set[3]);
  EXPECT_FALSE(bare.type_condition);
  EXPECT_TRUE(bare.directives.empty());
  EXPECT_EQ(bare.selection_set.size(), 1u);

  // mutation likeStory { like(story: 123) @onField { story { id @onField } } }
  const OperationDefinition& mutation = document.operations[1];
  EXPECT_EQ(mutation.operation, OperationType::kMutation);
  EXPECT_EQ(mutation.name, "likeStory");
  EXPECT_TRUE(mutation.variables.empty());
  const Field& like = as_field(mutation.selection_set.at(0));
  EXPECT_EQ(like.directives.at(0).name, "onField");
  EXPECT_EQ(as_field(as_field(like.selection_set.at(0)).selection_set.at(0)).directives.at(0).name, "onField");

  // subscription with a constant object default and a directive on the variable
  const OperationDefinition& subscription = document.operations[2];
  EXPECT_EQ(subscription.operation, OperationType::kSubscription);
  EXPECT_EQ(subscription.name, "StoryLikeSubscription");
  const VariableDefinition& input = subscription.variables.at(0);
  const auto& object = as<ObjectValue>(*input.default_value);
  ASSERT_EQ(object.fields.size(), 1u);
  EXPECT_EQ(object.fields[0].name, "a");
  EXPECT_EQ(object.fields[0].location, (Location{30, 71}));
  const auto& inner = as<ObjectValue>(object.fields[0].value);
  EXPECT_EQ(inner.fields.at(0).name, "b");
  EXPECT_EQ(as<IntValue>(as<ListValue>(inner.fields.at(0).value).values.at(0)).value, 1);
  EXPECT_EQ(input.directives.at(0).name, "onVariableDefinition");
  EXPECT_EQ(subscription.directives.at(0).name, "onSubscription");
  EXPECT_EQ(subscription.directives.at(0).location, (Location{31, 5}));

  // fragment frag on Friend @onFragmentDefinition(v: $v) { foo(..., obj: {key: "value", block: """...""" }) }
  const FragmentDefinition& frag = document.fragments[0];
  EXPECT_EQ(frag.name, "frag");
  EXPECT_EQ(frag.type_condition, "Friend");
  EXPECT_EQ(frag.location, (Location{37, 1}));
  EXPECT_EQ(as<Variable>(frag.directives.at(0).arguments.at(0).value).name, "v");
  const Field& foo = as_field(frag.selection_set.at(0));
  ASSERT_EQ(foo.arguments.size(), 3u);
  const auto& obj = as<ObjectValue>(foo.arguments[2].value);
  ASSERT_EQ(obj.fields.size(), 2u);
  EXPECT_EQ(as<StringValue>(obj.fields[0].value).value, "value");
  EXPECT_FALSE(as<StringValue>(obj.fields[0].value).block);
  EXPECT_EQ(as<StringValue>(obj.fields[1].value).value, "block string uses \"\"\"\n    indented");
  EXPECT_TRUE(as<StringValue>(obj.fields[1].value).block);

  // the anonymous shorthand, with every scalar kind
  const OperationDefinition& anonymous = document.operations[3];
  EXPECT_EQ(anonymous.operation, OperationType::kQuery);
  EXPECT_FALSE(anonymous.name);
  EXPECT_EQ(anonymous.location, (Location{44, 1}));
  const Field& unnamed = as_field(anonymous.selection_set.at(0));
  ASSERT_EQ(unnamed.arguments.size(), 6u);
  EXPECT_TRUE(as<BooleanValue>(unnamed.arguments[0].value).value);
  EXPECT_FALSE(as<BooleanValue>(unnamed.arguments[1].value).value);
  EXPECT_TRUE(std::holds_alternative<NullValue>(unnamed.arguments[2].value.kind));
  EXPECT_EQ(as<FloatValue>(unnamed.arguments[3].value).value, -1500.0);
  EXPECT_EQ(as<FloatValue>(unnamed.arguments[3].value).text, "-1.5e3");
  EXPECT_EQ(as<EnumValue>(unnamed.arguments[4].value).name, "WEST");
  EXPECT_EQ(as<StringValue>(unnamed.arguments[5].value).value, "café 😀 😀 😀");
  EXPECT_EQ(as_field(anonymous.selection_set.at(1)).name, "query");  // a keyword is a name here
}

TEST(GraphqlParser, ParsesTheShorthandAndNamedOperations) {
  const Document shorthand = parse("{ a }");
  ASSERT_EQ(shorthand.operations.size(), 1u);
  EXPECT_EQ(shorthand.operations[0].operation, OperationType::kQuery);
  EXPECT_FALSE(shorthand.operations[0].name);
  EXPECT_TRUE(shorthand.fragments.empty());

  const Document anonymous = parse("mutation { a } subscription { b } query { c }");
  ASSERT_EQ(anonymous.operations.size(), 3u);
  EXPECT_EQ(anonymous.operations[0].operation, OperationType::kMutation);
  EXPECT_EQ(anonymous.operations[1].operation, OperationType::kSubscription);
  EXPECT_EQ(anonymous.operations[2].operation, OperationType::kQuery);
  EXPECT_EQ(to_string(anonymous.operations[1].operation), "subscription");

  // Keywords are names everywhere else.
  const Document keywords = parse("query query { fragment: on(type: query) { query mutation subscription } }"
                                  "fragment query on subscription { on }");
  const Field& field = as_field(keywords.operations.at(0).selection_set.at(0));
  EXPECT_EQ(keywords.operations[0].name, "query");
  EXPECT_EQ(field.alias, "fragment");
  EXPECT_EQ(field.name, "on");
  EXPECT_EQ(as<EnumValue>(field.arguments.at(0).value).name, "query");
  EXPECT_EQ(keywords.fragments.at(0).name, "query");
  EXPECT_EQ(keywords.fragments.at(0).type_condition, "subscription");
}

TEST(GraphqlParser, ParsesTypes) {
  struct Case {
    std::string type;
    bool list;
    bool non_null;
  };
  const std::vector<Case> cases = {
      {"Int", false, false},     {"Int!", false, true},       {"[Int]", true, false},
      {"[Int!]", true, false},   {"[Int]!", true, true},      {"[[Int!]!]!", true, true},
      {"[[[String]]]", true, false},
  };
  for (const auto& c : cases) {
    const Type type = parse_type(c.type);
    EXPECT_EQ(to_string(type), c.type);
    EXPECT_EQ(type.is_list(), c.list) << c.type;
    EXPECT_EQ(type.non_null, c.non_null) << c.type;
  }
  EXPECT_EQ(to_string(parse_type("[ Int ! ] !")), "[Int!]!");
  const Type nested = parse_type("[[Int]]");
  EXPECT_EQ(nested.location, (Location{1, 12}));
  EXPECT_EQ(nested.of_type->location, (Location{1, 13}));
  EXPECT_EQ(nested.of_type->of_type->location, (Location{1, 14}));
  EXPECT_EQ(nested.of_type->of_type->name, "Int");
}

TEST(GraphqlParser, ParsesEveryKindOfValue) {
  EXPECT_EQ(as<IntValue>(parse_value("0")).value, 0);
  EXPECT_EQ(as<IntValue>(parse_value("-2147483648")).value, -2147483648LL);
  EXPECT_EQ(as<IntValue>(parse_value("2147483648")).value, 2147483648LL);  // past Int32: the validator's
  EXPECT_EQ(as<IntValue>(parse_value("-9223372036854775808")).value, std::numeric_limits<std::int64_t>::min());
  const auto huge = as<IntValue>(parse_value("92233720368547758070"));
  EXPECT_EQ(huge.text, "92233720368547758070");
  EXPECT_FALSE(huge.value);

  EXPECT_DOUBLE_EQ(as<FloatValue>(parse_value("1.5")).value, 1.5);
  EXPECT_DOUBLE_EQ(as<FloatValue>(parse_value("-0.25e-2")).value, -0.0025);
  EXPECT_DOUBLE_EQ(as<FloatValue>(parse_value("1E2")).value, 100.0);
  EXPECT_EQ(as<FloatValue>(parse_value("1e400")).value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(as<FloatValue>(parse_value("-1e400")).value, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(as<FloatValue>(parse_value("1e-400")).value, 0.0);
  EXPECT_EQ(as<FloatValue>(parse_value("-1e400")).text, "-1e400");

  EXPECT_EQ(as<StringValue>(parse_value(R"("a\nb")")).value, "a\nb");
  EXPECT_EQ(as<StringValue>(parse_value(R"("""a\nb""")")).value, "a\\nb");
  EXPECT_TRUE(as<BooleanValue>(parse_value("true")).value);
  EXPECT_FALSE(as<BooleanValue>(parse_value("false")).value);
  EXPECT_TRUE(std::holds_alternative<NullValue>(parse_value("null").kind));
  EXPECT_EQ(as<EnumValue>(parse_value("PRIORITY_DESC")).name, "PRIORITY_DESC");
  EXPECT_EQ(as<EnumValue>(parse_value("True")).name, "True");  // case matters
  EXPECT_EQ(as<Variable>(parse_value("$first")).name, "first");
  EXPECT_TRUE(as<ListValue>(parse_value("[]")).values.empty());
  EXPECT_TRUE(as<ObjectValue>(parse_value("{}")).fields.empty());

  const Value list = parse_value("[1, \"two\", [$three], {four: 4.0}, null]");
  const auto& values = as<ListValue>(list).values;
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(list.location, (Location{1, 8}));
  EXPECT_EQ(values[1].location, (Location{1, 12}));
  EXPECT_EQ(as<Variable>(as<ListValue>(values[2]).values.at(0)).name, "three");
  EXPECT_DOUBLE_EQ(as<FloatValue>(as<ObjectValue>(values[3]).fields.at(0).value).value, 4.0);

  // Duplicate fields are kept, in order: refusing them is the validator's job.
  const Value object = parse_value("{a: 1, a: 2}");
  const auto& duplicates = as<ObjectValue>(object).fields;
  ASSERT_EQ(duplicates.size(), 2u);
  EXPECT_EQ(as<IntValue>(duplicates[1].value).value, 2);
}

TEST(GraphqlParser, ByteOrderMarkAndCommasAreIgnored) {
  const Document document =
      parse("\xEF\xBB\xBF,query Q($a: Int,, $b: [Int,],) { f(x: 1,, y: [1,2,,3],z:{a:1,,b:2}), ,g h }");
  const OperationDefinition& op = document.operations.at(0);
  EXPECT_EQ(op.location, (Location{1, 3}));
  ASSERT_EQ(op.variables.size(), 2u);
  EXPECT_EQ(to_string(op.variables[1].type), "[Int]");
  ASSERT_EQ(op.selection_set.size(), 3u);
  const Field& f = as_field(op.selection_set[0]);
  ASSERT_EQ(f.arguments.size(), 3u);
  EXPECT_EQ(as<ListValue>(f.arguments[1].value).values.size(), 3u);
  EXPECT_EQ(as<ObjectValue>(f.arguments[2].value).fields.size(), 2u);
  EXPECT_EQ(as_field(op.selection_set[2]).name, "h");
}

TEST(GraphqlParser, LocationsSpanLinesAndComments) {
  const Document document = parse("# header\r\n\r\nquery Q {\n  # a comment\n\ta\n  b: c @d\n}\n");
  const OperationDefinition& op = document.operations.at(0);
  EXPECT_EQ(op.location, (Location{3, 1}));
  EXPECT_EQ(as_field(op.selection_set.at(0)).location, (Location{5, 2}));
  const Field& c = as_field(op.selection_set.at(1));
  EXPECT_EQ(c.location, (Location{6, 3}));
  EXPECT_EQ(c.directives.at(0).location, (Location{6, 8}));
}

TEST(GraphqlParser, SyntaxErrorsSayWhatWasExpectedAndWhere) {
  expect_errors({
      {"", "Syntax Error: Unexpected <EOF>.", 1, 1},
      {"  # only a comment\n", "Syntax Error: Unexpected <EOF>.", 2, 1},
      {"{", "Syntax Error: Expected Name, found <EOF>.", 1, 2},
      {"{ }", "Syntax Error: Expected Name, found \"}\".", 1, 3},
      {"{ a", "Syntax Error: Expected Name, found <EOF>.", 1, 4},
      {"{ a } }", "Syntax Error: Unexpected \"}\".", 1, 7},
      {"{ a }\n\n  b", "Syntax Error: Unexpected Name \"b\".", 3, 3},
      {"notAKeyword { a }", "Syntax Error: Unexpected Name \"notAKeyword\".", 1, 1},
      {"Query { a }", "Syntax Error: Unexpected Name \"Query\".", 1, 1},
      {"... { a }", "Syntax Error: Unexpected \"...\".", 1, 1},
      {"query", "Syntax Error: Expected \"{\", found <EOF>.", 1, 6},
      {"query Q", "Syntax Error: Expected \"{\", found <EOF>.", 1, 8},
      {"query Q Q { a }", "Syntax Error: Expected \"{\", found Name \"Q\".", 1, 9},
      {"query Q() { a }", "Syntax Error: Expected \"$\", found \")\".", 1, 9},
      {"query Q(a: Int) { a }", "Syntax Error: Expected \"$\", found Name \"a\".", 1, 9},
      {"query Q($a Int) { a }", "Syntax Error: Expected \":\", found Name \"Int\".", 1, 12},
      {"query Q($a: ) { a }", "Syntax Error: Expected Name, found \")\".", 1, 13},
      {"query Q($a: [Int) { a }", "Syntax Error: Expected \"]\", found \")\".", 1, 17},
      {"query Q($a: Int!!) { a }", "Syntax Error: Expected \"$\", found \"!\".", 1, 17},
      {"query Q($a: Int = ) { a }", "Syntax Error: Unexpected \")\".", 1, 19},
      {"query Q($a: Int = $b) { a }", "Syntax Error: Unexpected variable \"$b\" in constant value.", 1, 19},
      {"query Q($a: [Int] = [1, $b]) { a }", "Syntax Error: Unexpected variable \"$b\" in constant value.", 1, 25},
      {"query Q($a: I = {x: {y: $b}}) { a }", "Syntax Error: Unexpected variable \"$b\" in constant value.", 1, 25},
      {"query Q($a: Int @d(x: $b)) { a }", "Syntax Error: Unexpected variable \"$b\" in constant value.", 1, 23},
      {"query Q($a: Int = $) { a }", "Syntax Error: Unexpected \"$\".", 1, 19},
      {"{ a(x: $) }", "Syntax Error: Expected Name, found \")\".", 1, 9},
      {"{ a() }", "Syntax Error: Expected Name, found \")\".", 1, 5},
      {"{ a(b) }", "Syntax Error: Expected \":\", found \")\".", 1, 6},
      {"{ a(b:) }", "Syntax Error: Unexpected \")\".", 1, 7},
      {"{ a(b: 1 }", "Syntax Error: Expected Name, found \"}\".", 1, 10},
      {"{ a(x: [1, 2) }", "Syntax Error: Unexpected \")\".", 1, 13},
      {"{ a(x: {b 1}) }", "Syntax Error: Expected \":\", found Int \"1\".", 1, 11},
      {"{ a(x: {\"b\": 1}) }", "Syntax Error: Expected Name, found String \"b\".", 1, 9},
      {"{ a(x: |) }", "Syntax Error: Unexpected \"|\".", 1, 8},
      {"{ a: }", "Syntax Error: Expected Name, found \"}\".", 1, 6},
      {"{ a: b: c }", "Syntax Error: Expected Name, found \":\".", 1, 7},
      {"{ a @ }", "Syntax Error: Expected Name, found \"}\".", 1, 7},
      {"{ a @d( }", "Syntax Error: Expected Name, found \"}\".", 1, 9},
      {"{ a { } }", "Syntax Error: Expected Name, found \"}\".", 1, 7},
      {"{ ...on }", "Syntax Error: Expected Name, found \"}\".", 1, 9},
      {"{ ... on T }", "Syntax Error: Expected \"{\", found \"}\".", 1, 12},
      {"{ ... }", "Syntax Error: Expected \"{\", found \"}\".", 1, 7},
      {"{ ... 1 }", "Syntax Error: Expected \"{\", found Int \"1\".", 1, 7},
      {"fragment on on T { a }", "Syntax Error: Unexpected Name \"on\".", 1, 10},
      {"fragment F T { a }", "Syntax Error: Expected \"on\", found Name \"T\".", 1, 12},
      {"fragment F on { a }", "Syntax Error: Expected Name, found \"{\".", 1, 15},
      {"fragment F on T", "Syntax Error: Expected \"{\", found <EOF>.", 1, 16},
      {"fragment { a }", "Syntax Error: Expected Name, found \"{\".", 1, 10},
      {"{ a(x: \"unterminated) }", "Syntax Error: Unterminated string.", 1, 24},
      {"query Q {\n  a(x: 01)\n}", "Syntax Error: Invalid number, unexpected digit after 0: \"1\".", 2, 9},
      {"{\n  a\n  b(c: [\n  }", "Syntax Error: Unexpected \"}\".", 4, 3},
  });
}

TEST(GraphqlParser, RefusesTypeSystemDefinitions) {
  const std::string only =
      ": only executable definitions (operations and fragments) are allowed in a request.";
  expect_errors({
      {"type T { a: Int }", "Syntax Error: Unexpected Name \"type\"" + only, 1, 1},
      {"schema { query: Q }", "Syntax Error: Unexpected Name \"schema\"" + only, 1, 1},
      {"scalar Date", "Syntax Error: Unexpected Name \"scalar\"" + only, 1, 1},
      {"interface I { a: Int }", "Syntax Error: Unexpected Name \"interface\"" + only, 1, 1},
      {"union U = A | B", "Syntax Error: Unexpected Name \"union\"" + only, 1, 1},
      {"enum E { A }", "Syntax Error: Unexpected Name \"enum\"" + only, 1, 1},
      {"input I { a: Int }", "Syntax Error: Unexpected Name \"input\"" + only, 1, 1},
      {"directive @d on FIELD", "Syntax Error: Unexpected Name \"directive\"" + only, 1, 1},
      {"extend type T @d", "Syntax Error: Unexpected Name \"extend\"" + only, 1, 1},
      {"\"described\" type T { a: Int }", "Syntax Error: Unexpected String \"described\"" + only, 1, 1},
      {"\"\"\"block\"\"\" type T { a: Int }", "Syntax Error: Unexpected BlockString \"block\"" + only, 1, 1},
      {"{ a }\n\ntype T { a: Int }", "Syntax Error: Unexpected Name \"type\"" + only, 3, 1},
      {"fragment F on T { a }\n  extend schema @d", "Syntax Error: Unexpected Name \"extend\"" + only, 2, 3},
  });
}

// --- limits ---------------------------------------------------------------------------------

constexpr auto kQuickly = std::chrono::seconds(1);

// Limits loose enough that only the depth can stop `source`.
constexpr ParseLimits kOnlyDepth{.max_bytes = 16 << 20, .max_tokens = 10'000'000, .max_depth = kDefaultMaxDepth};

void expect_refused_quickly(const std::string& source, const ParseLimits& limits, const std::string& message) {
  const auto start = std::chrono::steady_clock::now();
  const SyntaxError error = parse_error(source, limits);
  EXPECT_LT(std::chrono::steady_clock::now() - start, kQuickly) << message;
  EXPECT_EQ(std::string(error.what()), message);
  EXPECT_TRUE(error.over_limit());
}

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(GraphqlParser, DefaultLimitsAreNamed) {
  const ParseLimits limits;
  EXPECT_EQ(limits.max_bytes, 65536u);
  EXPECT_EQ(limits.max_tokens, 10'000u);
  EXPECT_EQ(limits.max_depth, 64u);
}

TEST(GraphqlParser, RefusesASourceOverTheSizeLimit) {
  std::string source = "{ a }";
  source += std::string(kDefaultMaxSourceBytes - source.size(), ' ');
  EXPECT_NO_THROW(parse(source));  // exactly at the limit

  source += ' ';
  const SyntaxError error = parse_error(source);
  EXPECT_STREQ(error.what(), "Syntax Error: Document is larger than 65536 bytes.");
  EXPECT_EQ(error.location(), (Location{1, 1}));
  EXPECT_TRUE(error.over_limit());

  const SyntaxError small = parse_error("{ abc }", ParseLimits{.max_bytes = 6});
  EXPECT_STREQ(small.what(), "Syntax Error: Document is larger than 6 bytes.");

  // A million brackets with the default limits: refused by size before a token is read.
  expect_refused_quickly(std::string(1'000'000, '{'), {}, "Syntax Error: Document is larger than 65536 bytes.");
  expect_refused_quickly(std::string(1'000'000, '['), {}, "Syntax Error: Document is larger than 65536 bytes.");
}

TEST(GraphqlParser, RefusesMoreTokensThanTheLimit) {
  // `{`, 9,998 names, `}`: exactly 10,000 tokens.
  const std::string at_limit = "{" + repeat(" a", kDefaultMaxTokens - 2) + " }";
  EXPECT_EQ(parse(at_limit).operations.at(0).selection_set.size(), kDefaultMaxTokens - 2);

  const std::string over = "{" + repeat(" a", kDefaultMaxTokens - 1) + " }";
  const SyntaxError error = parse_error(over);
  EXPECT_STREQ(error.what(), "Syntax Error: Document contains more than 10000 tokens. Parsing aborted.");
  EXPECT_EQ(error.location(), (Location{1, static_cast<int>(over.size())}));  // at the `}`, the 10,001st
  EXPECT_TRUE(error.over_limit());

  // Comments, commas and white space are not tokens.
  const std::string commented = "# " + std::string(1000, 'x') + "\n{" + repeat(" a,,, # c\n", 8) + "}";
  EXPECT_NO_THROW(parse(commented, ParseLimits{.max_tokens = 10}));
  EXPECT_THROW(parse(commented + " { b }", ParseLimits{.max_tokens = 10}), SyntaxError);

  // A wide but flat document can't take more than linear time either.
  expect_refused_quickly("{" + repeat(" a", 1'000'000) + " }", ParseLimits{.max_bytes = 16 << 20},
                         "Syntax Error: Document contains more than 10000 tokens. Parsing aborted.");
}

TEST(GraphqlParser, RefusesSelectionSetsNestedPastTheLimit) {
  auto nested = [](std::size_t depth) { return repeat("{a", depth - 1) + "{a" + repeat("}", depth); };
  const Document at_limit = parse(nested(kDefaultMaxDepth));
  const Selection* selection = &at_limit.operations.at(0).selection_set.at(0);
  std::size_t depth = 1;
  while (!as_field(*selection).selection_set.empty()) {
    selection = &as_field(*selection).selection_set.at(0);
    ++depth;
  }
  EXPECT_EQ(depth, kDefaultMaxDepth);

  const SyntaxError error = parse_error(nested(kDefaultMaxDepth + 1));
  EXPECT_STREQ(error.what(), "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");
  EXPECT_EQ(error.location(), (Location{1, 2 * static_cast<int>(kDefaultMaxDepth) + 1}));  // the 65th `{`
  EXPECT_TRUE(error.over_limit());

  expect_refused_quickly(repeat("{a", 100'000) + repeat("}", 100'000), kOnlyDepth,
                         "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");
  expect_refused_quickly(repeat("{...", 100'000), kOnlyDepth,
                         "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");
  // Bare braces are not even a selection: the grammar stops them at the second.
  const auto start = std::chrono::steady_clock::now();
  const SyntaxError braces = parse_error(std::string(100'000, '{'), kOnlyDepth);
  EXPECT_LT(std::chrono::steady_clock::now() - start, kQuickly);
  EXPECT_STREQ(braces.what(), "Syntax Error: Expected Name, found \"{\".");
  EXPECT_EQ(braces.location(), (Location{1, 2}));
}

TEST(GraphqlParser, RefusesValuesNestedPastTheLimit) {
  // The field's selection set is one level: 63 more brackets fit in its argument.
  const auto list = [](std::size_t depth) { return "{ f(a: " + repeat("[", depth) + repeat("]", depth) + ") }"; };
  EXPECT_NO_THROW(parse(list(kDefaultMaxDepth - 1)));
  expect_refused_quickly(list(kDefaultMaxDepth), {},
                         "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");
  const auto object = [](std::size_t depth) { return "{ f(a: " + repeat("{a:", depth) + "1" + repeat("}", depth) + ") }"; };
  EXPECT_NO_THROW(parse(object(kDefaultMaxDepth - 1)));
  expect_refused_quickly(object(kDefaultMaxDepth), {},
                         "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");

  expect_refused_quickly("{ f(a: " + std::string(100'000, '[') + ") }", kOnlyDepth,
                         "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");
  expect_refused_quickly("{ f(a: " + repeat("{a:", 100'000) + ") }", kOnlyDepth,
                         "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");
  expect_refused_quickly("query ($v: I = " + std::string(100'000, '[') + ") { a }", kOnlyDepth,
                         "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");
}

TEST(GraphqlParser, RefusesListTypesNestedPastTheLimit) {
  const auto type = [](std::size_t depth) { return repeat("[", depth) + "Int" + repeat("]", depth); };
  EXPECT_EQ(to_string(parse_type(type(kDefaultMaxDepth))), type(kDefaultMaxDepth));  // before any `{`
  const SyntaxError error = parse_error("query ($v: " + type(kDefaultMaxDepth + 1) + ") { a }");
  EXPECT_STREQ(error.what(), "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");
  EXPECT_EQ(error.location(), (Location{1, 12 + static_cast<int>(kDefaultMaxDepth)}));

  expect_refused_quickly("query ($v: " + std::string(100'000, '[') + "Int", kOnlyDepth,
                         "Syntax Error: Document nests more than 64 levels deep. Parsing aborted.");
}

TEST(GraphqlParser, DepthLimitCountsEveryKindOfBracketTogether) {
  const ParseLimits limits{.max_depth = 3};
  EXPECT_NO_THROW(parse("{ a { b(x: [1]) } }", limits));
  EXPECT_NO_THROW(parse("query ($v: [[Int]]) { a }", limits));  // a type closes before the selection set
  EXPECT_THROW(parse("{ a { b(x: [[1]]) } }", limits), SyntaxError);
  EXPECT_THROW(parse("{ a { b(x: {y: [1]}) } }", limits), SyntaxError);
  EXPECT_NO_THROW(parse("{ a { ... on T { b } } }", limits));
  EXPECT_THROW(parse("{ a { ... on T { b { c } } } }", limits), SyntaxError);
  EXPECT_THROW(parse("query ($v: [[[[Int]]]]) { a }", limits), SyntaxError);
  EXPECT_THROW(parse("{ a @d(x: [[[1]]]) }", limits), SyntaxError);
}

}  // namespace
}  // namespace keel::graphql
