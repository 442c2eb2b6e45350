#include "graphql/validator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "graphql/parser.hpp"
#include "unit/graphql/default_schema.hpp"

namespace keel::graphql {
namespace {

const Schema& schema() { return test::default_schema(); }

// Where the `nth` occurrence of `needle` starts in `source` (ASCII sources only).
struct At {
  std::string needle;
  int nth = 0;
};

Location location_of(std::string_view source, const At& at) {
  std::size_t pos = std::string_view::npos;
  for (int i = 0, from = 0; i <= at.nth; ++i) {
    pos = source.find(at.needle, static_cast<std::size_t>(from));
    if (pos == std::string_view::npos) {
      ADD_FAILURE() << "'" << at.needle << "' #" << at.nth << " not in " << source;
      return {};
    }
    from = static_cast<int>(pos) + 1;
  }
  Location l;
  for (std::size_t i = 0; i < pos; ++i) {
    if (source[i] == '\n') {
      ++l.line;
      l.column = 1;
    } else {
      ++l.column;
    }
  }
  return l;
}

struct Expected {
  std::string message;
  std::vector<At> at;
};

struct Case {
  std::string rule;
  std::string query;
  std::vector<Expected> errors;  // empty: valid
};

std::string describe(const std::vector<GraphqlError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    out += "  ";
    out += e.message;
    for (const auto& l : e.locations) out += " @" + std::to_string(l.line) + ":" + std::to_string(l.column);
    out += '\n';
  }
  return out;
}

void expect_errors(const Case& c) {
  SCOPED_TRACE(c.rule + ": " + c.query);
  const Document document = parse(c.query);
  const auto errors = validate(document, schema());
  std::vector<GraphqlError> expected;
  for (const auto& e : c.errors) {
    GraphqlError g{e.message, {}};
    for (const auto& at : e.at) g.locations.push_back(location_of(c.query, at));
    expected.push_back(std::move(g));
  }
  EXPECT_EQ(errors, expected) << "got:\n" << describe(errors) << "expected:\n" << describe(expected);
  for (const auto& e : errors) EXPECT_EQ(e.code, "VALIDATION_ERROR");
}

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // Operations.
      {"UniqueOperationNames", "query A { me { id } } query B { me { id } }", {}},
      {"UniqueOperationNames",
       "query A { me { id } } query A { me { email } }",
       {{R"(There can be only one operation named "A".)", {{"query A"}, {"query A", 1}}}}},
      {"LoneAnonymousOperation", "{ me { id } }", {}},
      {"LoneAnonymousOperation",
       "{ me { id } } query B { me { id } }",
       {{"This anonymous operation must be the only defined operation.", {{"{ me"}}}}},
      {"NoSubscriptions",
       "subscription S { me { id } }",
       {{"subscriptions are not supported; use /api/realtime", {{"subscription"}}}}},
      {"Mutations", R"(mutation { deleteTask(id: "1") })", {}},

      // Fields.
      {"FieldsOnCorrectType", "{ __typename tasks { __typename nodes { title project { name } } } }", {}},
      {"FieldsOnCorrectType",
       "{ tasks { nodes { titel } } }",
       {{R"(Cannot query field "titel" on type "Task". Did you mean "title" or "notes"?)", {{"titel"}}}}},
      {"FieldsOnCorrectType",
       "{ tasks { nodes { zzzzzz } } }",
       {{R"(Cannot query field "zzzzzz" on type "Task".)", {{"zzzzzz"}}}}},
      {"FieldsOnCorrectType",
       "{ me { __type(name: \"Task\") { name } } }",
       {{R"(Cannot query field "__type" on type "User".)", {{"__type"}}}}},
      {"ScalarLeafs", "{ me { email } }", {}},
      {"ScalarLeafs",
       "{ me { email { length } } }",
       {{R"(Field "email" must not have a selection since type "String!" has no subfields.)", {{"email"}}}}},
      {"ScalarLeafs",
       "{ me }",
       {{R"(Field "me" of type "User" must have a selection of subfields. Did you mean "me { ... }"?)", {{"me"}}}}},

      // Arguments.
      {"KnownArgumentNames", "{ tasks(first: 2, after: \"c\") { totalCount } }", {}},
      {"KnownArgumentNames",
       "{ tasks(frist: 2) { totalCount } }",
       {{R"(Unknown argument "frist" on field "Query.tasks". Did you mean "first"?)", {{"frist"}}}}},
      {"UniqueArgumentNames",
       "{ tasks(first: 1, first: 2) { totalCount } }",
       {{R"(There can be only one argument named "first".)", {{"first"}, {"first", 1}}}}},
      {"ProvidedRequiredArguments", "{ task(id: \"1\") { id } }", {}},
      {"ProvidedRequiredArguments",
       "{ task { id } }",
       {{R"(Field "task" argument "id" of type "ID!" is required, but it was not provided.)", {{"task"}}}}},

      // Fragments.
      {"UniqueFragmentNames", "{ me { ...F ...G } } fragment F on User { id } fragment G on User { email }", {}},
      {"UniqueFragmentNames",
       "{ me { ...F } } fragment F on User { id } fragment F on User { email }",
       {{R"(There can be only one fragment named "F".)", {{"fragment F"}, {"fragment F", 1}}}}},
      {"KnownTypeNames",
       "{ me { ... on Usr { id } } }",
       {{R"(Unknown type "Usr". Did you mean "User"?)", {{"Usr"}}}}},
      {"KnownTypeNames",
       "{ me { ...F } } fragment F on Nobody { id }",
       {{R"(Unknown type "Nobody".)", {{"Nobody"}}}}},
      {"FragmentsOnCompositeTypes", "{ me { ... on User { id } ... { email } } }", {}},
      {"FragmentsOnCompositeTypes",
       "{ me { ... on String { id } } }",
       {{R"(Fragment cannot condition on non composite type "String".)", {{"String"}}}}},
      {"FragmentsOnCompositeTypes",
       "{ me { ...F } } fragment F on TaskStatus { id }",
       {{R"(Fragment "F" cannot condition on non composite type "TaskStatus".)", {{"TaskStatus"}}}}},
      {"NoUnusedFragments",
       "{ me { id } } fragment F on User { id }",
       {{R"(Fragment "F" is never used.)", {{"fragment"}}}}},
      {"KnownFragmentNames", "{ me { ...G } }", {{R"(Unknown fragment "G".)", {{"...G"}}}}},
      {"NoFragmentCycles", "{ me { ...A } } fragment A on User { ...B } fragment B on User { id }", {}},
      {"NoFragmentCycles",
       "{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }",
       {{R"(Cannot spread fragment "A" within itself via "B".)", {{"...B"}, {"...A", 1}}}}},
      {"NoFragmentCycles",
       "{ me { ...A } } fragment A on User { id ...A }",
       {{R"(Cannot spread fragment "A" within itself.)", {{"...A", 1}}}}},
      {"PossibleFragmentSpreads", "{ tasks { nodes { project { ...P } } } } fragment P on Project { name }", {}},
      {"PossibleFragmentSpreads",
       "{ me { ...P } } fragment P on Project { name }",
       {{R"(Fragment "P" cannot be spread here as objects of type "User" can never be of type "Project".)",
         {{"...P"}}}}},
      {"PossibleFragmentSpreads",
       "{ me { ... on Task { id } } }",
       {{R"(Fragment cannot be spread here as objects of type "User" can never be of type "Task".)", {{"..."}}}}},

      // Field merging.
      {"OverlappingFieldsCanBeMerged",
       "{ me { id } me { email } tasks(first: 2) { totalCount } tasks(first: 2) { pageInfo { hasNextPage } } }",
       {}},
      {"OverlappingFieldsCanBeMerged",
       "{ me { x: id x: email } }",
       {{R"(Fields "x" conflict because "id" and "email" are different fields. Use different aliases on the fields to fetch both if this was intentional.)",
         {{"x: id"}, {"x: email"}}}}},
      {"OverlappingFieldsCanBeMerged",
       "{ tasks(first: 1) { totalCount } tasks(first: 2) { totalCount } }",
       {{R"(Fields "tasks" conflict because they have differing arguments. Use different aliases on the fields to fetch both if this was intentional.)",
         {{"tasks"}, {"tasks", 1}}}}},
      {"OverlappingFieldsCanBeMerged",
       "{ me { id } ...F } fragment F on Query { me { id: email } }",
       {{R"(Fields "me" conflict because subfields "id" conflict because "id" and "email" are different fields. Use different aliases on the fields to fetch both if this was intentional.)",
         {{"me {"}, {"id"}, {"me {", 1}, {"id: email"}}}}},

      // Values.
      {"ValuesOfCorrectType",
       R"({ tasks(first: 5, filter: {status: {in: [todo, done]}, priority: {gte: 2}, title: {eq: "a"}, dueAt: {lt: "2026-01-01T00:00:00Z"}}, sort: PRIORITY_DESC) { totalCount } })",
       {}},
      {"ValuesOfCorrectType",
       R"({ tasks(first: "x") { totalCount } })",
       {{R"(Int cannot represent non-integer value: "x")", {{"\"x\""}}}}},
      {"ValuesOfCorrectType",
       "{ tasks(first: 3000000000) { totalCount } }",
       {{"Int cannot represent non 32-bit signed integer value: 3000000000", {{"3000000000"}}}}},
      {"ValuesOfCorrectType",
       "{ tasks(after: 5) { totalCount } }",
       {{"String cannot represent a non string value: 5", {{"5"}}}}},
      {"ValuesOfCorrectType",
       R"({ me @include(if: "yes") { id } })",
       {{R"(Boolean cannot represent a non boolean value: "yes")", {{"\"yes\""}}}}},
      {"ValuesOfCorrectType", "{ task(id: 7) { id } }", {}},
      {"ValuesOfCorrectType",
       "{ task(id: 1.5) { id } }",
       {{"ID cannot represent a non-string and non-integer value: 1.5", {{"1.5"}}}}},
      {"ValuesOfCorrectType",
       R"({ tasks(filter: {status: {eq: "todo"}}) { totalCount } })",
       {{R"(Enum "TaskStatus" cannot represent non-enum value: "todo". Did you mean the enum value "todo"?)",
         {{"\"todo\""}}}}},
      {"ValuesOfCorrectType",
       "{ tasks(filter: {status: {eq: TODO}}) { totalCount } }",
       {{R"(Value "TODO" does not exist in "TaskStatus" enum. Did you mean the enum value "todo"?)", {{"TODO"}}}}},
      {"ValuesOfCorrectType",
       "{ tasks(sort: [PRIORITY_DESC, NOPE]) { totalCount } }",
       {{R"(Value "NOPE" does not exist in "TaskSort" enum.)", {{"NOPE"}}}}},
      {"ValuesOfCorrectType",
       R"({ tasks(filter: {zzzzz: {eq: "a"}}) { totalCount } })",
       {{R"(Field "zzzzz" is not defined by type "TaskFilter".)", {{"zzzzz"}}}}},
      {"ValuesOfCorrectType",
       R"(mutation { createTask(input: {title: "a"}) { id } })",
       {{R"(Field "TaskCreateInput.project" of required type "ID!" was not provided.)", {{"{title"}}}}},
      {"ValuesOfCorrectType",
       R"(mutation { createTask(input: {title: null, project: "1"}) { id } })",
       {{R"(Expected value of type "String!", found null.)", {{"null"}}}}},
      {"ValuesOfCorrectType",
       R"(mutation { createTask(input: "x") { id } })",
       {{R"(Expected value of type "TaskCreateInput!", found "x".)", {{"\"x\""}}}}},
      {"ValuesOfCorrectType",
       "{ tasks(filter: {dueAt: {eq: 5}}) { totalCount } }",
       {{R"(Expected value of type "DateTime", found 5.)", {{"5"}}}}},
      {"UniqueInputFieldNames",
       R"({ tasks(filter: {title: {eq: "a"}, title: {eq: "b"}}) { totalCount } })",
       {{R"(There can be only one input field named "title".)", {{"title"}, {"title", 1}}}}},

      // Directives.
      {"KnownDirectives",
       "query Q($v: Boolean!) { me @skip(if: $v) { id ...F @include(if: true) } } fragment F on User { email }",
       {}},
      {"KnownDirectives", "{ me @foo { id } }", {{R"(Unknown directive "@foo".)", {{"@foo"}}}}},
      {"KnownDirectives",
       "query Q @skip(if: true) { me { id } }",
       {{R"(Directive "@skip" may not be used on QUERY.)", {{"@skip"}}}}},
      {"KnownDirectives",
       "{ me @deprecated { id } }",
       {{R"(Directive "@deprecated" may not be used on FIELD.)", {{"@deprecated"}}}}},
      {"UniqueDirectivesPerLocation",
       "{ me @skip(if: true) @skip(if: false) { id } }",
       {{R"(The directive "@skip" can only be used once at this location.)", {{"@skip"}, {"@skip", 1}}}}},
      {"ProvidedRequiredArguments",
       "{ me @include { id } }",
       {{R"(Directive "@include" argument "if" of type "Boolean!" is required, but it was not provided.)",
         {{"@include"}}}}},
      {"KnownArgumentNames",
       "{ me @skip(if: true, unless: false) { id } }",
       {{R"(Unknown argument "unless" on directive "@skip".)", {{"unless"}}}}},

      // Variables.
      {"UniqueVariableNames",
       "query Q($a: Int, $a: Int) { tasks(first: $a) { totalCount } }",
       {{R"(There can be only one variable named "$a".)", {{"$a"}, {"$a", 1}}}}},
      {"VariablesAreInputTypes",
       "query Q($a: Task) { me { id } }",
       {{R"(Variable "$a" cannot be non-input type "Task".)", {{"Task"}}},
        {R"(Variable "$a" is never used in operation "Q".)", {{"$a"}}}}},
      {"KnownTypeNames",
       "query Q($a: Nope) { tasks(first: $a) { totalCount } }",
       {{R"(Unknown type "Nope".)", {{"Nope"}}}}},
      {"NoUndefinedVariables", "query Q($n: Int) { tasks(first: $n) { totalCount } }", {}},
      {"NoUndefinedVariables",
       "query Q { tasks(first: $n) { totalCount } }",
       {{R"(Variable "$n" is not defined by operation "Q".)", {{"$n"}, {"query"}}}}},
      {"NoUndefinedVariables",
       "query Q { projects { ...C } } fragment C on ProjectConnection { nodes { tasks(first: $n) { totalCount } } }",
       {{R"(Variable "$n" is not defined by operation "Q".)", {{"$n"}, {"query"}}}}},
      {"NoUndefinedVariables",
       "{ me @include(if: $v) { id } }",
       {{R"(Variable "$v" is not defined.)", {{"$v"}, {"{"}}}}},
      {"NoUnusedVariables",
       "query Q($n: Int) { projects { ...C } } fragment C on ProjectConnection { nodes { tasks(first: $n) { totalCount "
       "} } }",
       {}},
      {"NoUnusedVariables",
       "query Q($n: Int) { me { id } }",
       {{R"(Variable "$n" is never used in operation "Q".)", {{"$n"}}}}},
      {"VariablesInAllowedPosition",
       R"(query Q($id: ID!, $n: Int!, $s: [TaskSort!], $t: TaskStatus!) { task(id: $id) { id } tasks(first: $n, sort: $s, filter: {status: {in: [$t]}}) { totalCount } })",
       {}},
      {"VariablesInAllowedPosition", R"(query Q($id: ID = "1") { task(id: $id) { id } })", {}},
      {"VariablesInAllowedPosition",
       "query Q($id: ID) { task(id: $id) { id } }",
       {{R"(Variable "$id" of type "ID" used in position expecting type "ID!".)", {{"$id"}, {"$id", 1}}}}},
      {"VariablesInAllowedPosition",
       "query Q($s: String) { tasks(first: $s) { totalCount } }",
       {{R"(Variable "$s" of type "String" used in position expecting type "Int".)", {{"$s"}, {"$s", 1}}}}},
      {"VariablesInAllowedPosition",
       "query Q($s: TaskSort) { tasks(sort: $s) { totalCount } }",
       {{R"(Variable "$s" of type "TaskSort" used in position expecting type "[TaskSort!]".)", {{"$s"}, {"$s", 1}}}}},
      {"ValuesOfCorrectType",
       "query Q($n: Int = \"many\") { tasks(first: $n) { totalCount } }",
       {{R"(Int cannot represent non-integer value: "many")", {{"\"many\""}}}}},

      // Introspection.
      {"Introspection",
       R"({ __type(name: "Task") { name kind fields { name type { name kind ofType { name } } } } })",
       {}},
      {"Introspection",
       "{ __type { name } }",
       {{R"(Field "__type" argument "name" of type "String!" is required, but it was not provided.)", {{"__type"}}}}},
      {"MaxIntrospectionDepth",
       "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
       {{"Maximum introspection depth exceeded", {{"__schema"}}}}},
  };
  return kCases;
}

TEST(GraphqlValidator, EachRuleAcceptsValidAndRefusesInvalidDocuments) {
  for (const auto& c : cases()) expect_errors(c);
}

// npm graphql 16's getIntrospectionQuery(), with its default options.
constexpr const char* kIntrospectionQuery = R"(
    query IntrospectionQuery {
      __schema {
        
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types {
          ...FullType
        }
        directives {
          name
          description
          
          locations
          args {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      
      fields(includeDeprecated: true) {
        name
        description
        args {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      
      
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  )";

// The same with every option on (specifiedByUrl, directiveIsRepeatable, schemaDescription,
// inputValueDeprecation), as clients such as GraphiQL send it.
constexpr const char* kFullIntrospectionQuery = R"(
    query IntrospectionQuery {
      __schema {
        description
        queryType { name kind }
        mutationType { name kind }
        subscriptionType { name kind }
        types { ...FullType }
        directives {
          name
          description
          isRepeatable
          locations
          args(includeDeprecated: true) { ...InputValue }
        }
      }
    }
    fragment FullType on __Type {
      kind
      name
      description
      specifiedByURL
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) { ...InputValue }
        type { ...TypeRef }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      isDeprecated
      deprecationReason
    }
    fragment TypeRef on __Type {
      kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
      ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
    }
  )";

TEST(GraphqlValidator, IntrospectionQueriesValidateAndPassTheLimits) {
  for (const char* query : {kIntrospectionQuery, kFullIntrospectionQuery}) {
    const Document document = parse(query);
    EXPECT_EQ(describe(validate(document, schema())), "");
    EXPECT_EQ(describe(check_limits(document, document.operations[0], schema(), {})), "");
  }
}

TEST(GraphqlValidator, SchemaHoldsIntrospectionTypesAndSpecifiedDirectives) {
  for (const char* name : {"__Schema", "__Type", "__Field", "__InputValue", "__EnumValue", "__Directive", "__TypeKind",
                           "__DirectiveLocation"}) {
    const NamedType* t = schema().find_type(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_TRUE(t->built_in) << name;
  }
  std::vector<std::string> names;
  for (const auto& d : schema().directives()) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"include", "skip", "deprecated", "specifiedBy"}));
  ASSERT_NE(schema().find_directive("skip"), nullptr);
  EXPECT_EQ(to_string(schema().find_directive("skip")->argument("if")->type), "Boolean!");
  const NamedType& query = *schema().find_type("Query");
  const NamedType& task = *schema().find_type("Task");
  EXPECT_EQ(schema().selectable_field(query, "__schema")->binding.kind, Binding::Kind::kSchema);
  EXPECT_EQ(schema().selectable_field(query, "__type")->binding.kind, Binding::Kind::kType);
  EXPECT_EQ(schema().selectable_field(task, "__typename")->binding.kind, Binding::Kind::kTypename);
  EXPECT_EQ(schema().selectable_field(task, "__schema"), nullptr);  // the query root's only
  EXPECT_EQ(query.field("__schema"), nullptr);                      // not listed among the fields
  EXPECT_EQ(to_string(DirectiveLocation::kInputFieldDefinition), "INPUT_FIELD_DEFINITION");
}

TEST(GraphqlValidator, RefusesMutationsWhenTheSchemaHasNone) {
  Schema s;
  NamedType query;
  query.kind = TypeKind::kObject;
  query.name = "Query";
  FieldDef a;
  a.name = "a";
  a.type = named("Int");
  query.fields.push_back(a);
  s.add_type(query);
  s.set_roots("Query", "");
  EXPECT_EQ(describe(validate(parse("{ a __typename }"), s)), "");
  EXPECT_EQ(describe(validate(parse("mutation { a }"), s)),
            "  Schema is not configured to execute mutation operation. @1:1\n");
}

TEST(GraphqlValidator, SyntaxErrorsBecomeBadRequests) {
  try {
    parse("{ me { id }");
    FAIL() << "parsed";
  } catch (const SyntaxError& e) {
    const GraphqlError error = to_graphql_error(e);
    EXPECT_EQ(error.code, "BAD_REQUEST");
    EXPECT_EQ(error.message, "Syntax Error: Expected Name, found <EOF>.");
    EXPECT_EQ(error.locations, (std::vector<Location>{{1, 12}}));
  }
}

TEST(GraphqlValidator, StopsAfterTheErrorLimit) {
  std::string query = "{ me {";
  for (int i = 0; i < 5; ++i) query += " nope" + std::to_string(i);
  query += " } }";
  RequestLimits limits;
  limits.max_errors = 3;
  const auto errors = validate(parse(query), schema(), limits);
  ASSERT_EQ(errors.size(), 4U);
  EXPECT_EQ(errors[3].message, "Too many validation errors, error limit reached. Validation aborted.");
}

TEST(GraphqlValidator, ManyFieldsOfOneNameValidateQuickly) {
  // Field merging compares fields two by two: alike fields are compared once, and each field's
  // subfields are collected once, so the largest documents the parser takes stay cheap.
  std::string alike = "{";
  std::string distinct = "{";
  for (int i = 0; i < 1500; ++i) {
    alike += " me { id }";
    distinct += " me { a" + std::to_string(i) + ": id }";
  }
  alike += " }";
  distinct += " me { a0: email } }";
  const ParseLimits big{1 << 20, 100'000, 64};
  EXPECT_EQ(describe(validate(parse(alike, big), schema())), "");
  const auto errors = validate(parse(distinct, big), schema());
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].message,
            R"(Fields "me" conflict because subfields "a0" conflict because "id" and "email" are different fields. )"
            "Use different aliases on the fields to fetch both if this was intentional.");
}

TEST(GraphqlValidator, SelectsTheOperationToRun) {
  const Document one = parse("query A { me { id } }");
  EXPECT_EQ(select_operation(one, std::nullopt).operation, &one.operations[0]);
  EXPECT_EQ(select_operation(one, "A").operation, &one.operations[0]);
  const Document two = parse("query A { me { id } } mutation B { deleteTask(id: 1) }");
  EXPECT_EQ(select_operation(two, "B").operation, &two.operations[1]);
  const auto message = [](const OperationChoice& c) {
    EXPECT_EQ(c.operation, nullptr);
    return c.error ? c.error->message + " " + c.error->code : std::string("none");
  };
  EXPECT_EQ(message(select_operation(two, std::nullopt)),
            "Must provide operation name if query contains multiple operations. VALIDATION_ERROR");
  EXPECT_EQ(message(select_operation(two, "C")), R"(Unknown operation named "C". VALIDATION_ERROR)");
  EXPECT_EQ(message(select_operation(parse("fragment F on User { id }"), std::nullopt)),
            "Must provide an operation. VALIDATION_ERROR");
}

TEST(GraphqlValidator, DocumentsFullOfUnknownsAndCyclesEndWithoutCrashing) {
  // Unknown types, fields, fragments and directives everywhere, a fragment cycle: every rule that
  // can't know a type stays silent, nothing loops, and the limits still measure what they can.
  const std::string query = R"(
    query Q($a: Nope, $b: [Task!], $c: Int = 1) @nope {
      whatever(x: $z) { y ...A ... on Ghost { z } }
      tasks(first: $c, filter: {zz: [$a, {q: $d}]}) { nodes { ...B } }
      me { ...A }
    }
    fragment A on User { id ...B }
    fragment B on User { email ...A @skip(if: $e) }
    fragment C on Nowhere { ...Missing }
  )";
  const Document document = parse(query);
  const auto errors = validate(document, schema());
  EXPECT_GE(errors.size(), 10U) << describe(errors);
  for (const auto& e : errors) EXPECT_FALSE(e.locations.empty()) << e.message;
  const QueryMeasure m = measure(document, document.operations[0], schema(), {});
  EXPECT_GT(m.cost, 0U);
  EXPECT_LT(m.depth, 10U);
}

// ---- limits ----

std::vector<GraphqlError> limit_errors(const std::string& query, const VariableValues& variables = {}) {
  const Document document = parse(query);
  EXPECT_EQ(describe(validate(document, schema())), "") << query;
  return check_limits(document, document.operations[0], schema(), variables);
}

std::string messages(const std::vector<GraphqlError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += " | ";
    out += e.message;
    EXPECT_EQ(e.code, "VALIDATION_ERROR");
    EXPECT_EQ(e.locations.size(), 1U);
  }
  return out;
}

// A query `depth` fields deep: tasks > nodes > project > tasks > … > a leaf, every page of one.
std::string deep_query(int depth) {
  static const char* const kCycle[] = {"tasks(first: 1)", "nodes", "project"};
  std::string query = "{";
  for (int i = 0; i < depth - 1; ++i) {
    query += ' ';
    query += kCycle[i % 3];
    query += " {";
  }
  query += (depth - 2) % 3 == 0 ? " totalCount" : " id";  // under tasks, a connection
  for (int i = 0; i < depth; ++i) query += " }";
  return query;
}

TEST(GraphqlLimits, DepthTenPassesElevenIsRefused) {
  EXPECT_EQ(measure(parse(deep_query(10)), parse(deep_query(10)).operations[0], schema(), {}).depth, 10U);
  EXPECT_EQ(messages(limit_errors(deep_query(10))), "");
  EXPECT_EQ(messages(limit_errors(deep_query(11))), "Query depth 11 exceeds the limit of 10");
}

TEST(GraphqlLimits, DepthCountsFragmentsExpanded) {
  const std::string query =
      "{ tasks(first: 1) { ...Page } }"
      " fragment Page on TaskConnection { nodes { project { tasks(first: 1) { ...Inner } } } }"
      " fragment Inner on TaskConnection { nodes { project { tasks(first: 1) { nodes { ... on Task { project { id } } "
      "} } } } }";
  // tasks nodes project tasks nodes project tasks nodes project id = 10; one more level refused
  EXPECT_EQ(messages(limit_errors(query)), "");
  std::string deeper = query;
  deeper.replace(deeper.find("project { id }"), 14, "project { tasks(first: 1) { totalCount } }");
  EXPECT_EQ(messages(limit_errors(deeper)), "Query depth 11 exceeds the limit of 10");
}

TEST(GraphqlLimits, CostMultipliesByFirstAtTheBoundary) {
  // 100 × (1 + nodes (1 + 49 × (1 + totalCount 1))) = 100 × 100
  const auto at_limit = "{ projects(first: 100) { nodes { tasks(first: 49) { totalCount } } } }";
  const Document d = parse(at_limit);
  EXPECT_EQ(measure(d, d.operations[0], schema(), {}).cost, 10'000U);
  EXPECT_EQ(messages(limit_errors(at_limit)), "");
  EXPECT_EQ(messages(limit_errors("{ projects(first: 100) { nodes { tasks(first: 50) { totalCount } } } }")),
            "Query cost 10200 exceeds the limit of 10000");
}

TEST(GraphqlLimits, CostWithoutFirstUsesTheDefaultOfTwenty) {
  // 20 × (1 + nodes (1 + id 1 + title 1 + project (1 + name 1))) = 20 × 6
  const Document d = parse("{ tasks { nodes { id title project { name } } } __typename }");
  EXPECT_EQ(measure(d, d.operations[0], schema(), {}).cost, 121U);
}

TEST(GraphqlLimits, CostTakesFirstFromVariables) {
  const std::string query = "query Q($n: Int) { projects(first: 100) { nodes { tasks(first: $n) { totalCount } } } }";
  EXPECT_EQ(messages(limit_errors(query, {{"n", 49}})), "");
  EXPECT_EQ(messages(limit_errors(query, {{"n", 50}})), "Query cost 10200 exceeds the limit of 10000");
  EXPECT_EQ(messages(limit_errors(query)), "");  // absent: the argument's default, 20
  const std::string with_default =
      "query Q($n: Int = 50) { projects(first: 100) { nodes { tasks(first: $n) { totalCount } } } }";
  EXPECT_EQ(messages(limit_errors(with_default)), "Query cost 10200 exceeds the limit of 10000");
  EXPECT_EQ(messages(limit_errors(with_default, {{"n", 10}})), "");
  EXPECT_EQ(messages(limit_errors(query, {{"n", 50.0}})), "Query cost 10200 exceeds the limit of 10000");
  EXPECT_EQ(messages(limit_errors(query, {{"n", nullptr}})), "");  // null: the default, 20
}

TEST(GraphqlLimits, AliasesAreCountedWithFragmentsExpanded) {
  const auto aliases = [](int n) {
    std::string fields;
    for (int i = 0; i < n; ++i) fields += " a" + std::to_string(i) + ": id";
    return fields;
  };
  EXPECT_EQ(messages(limit_errors("{ me {" + aliases(100) + " } }")), "");
  EXPECT_EQ(messages(limit_errors("{ me {" + aliases(101) + " } }")), "Query aliases 101 exceed the limit of 100");
  // 60 aliases in a fragment spread twice: 120.
  EXPECT_EQ(messages(limit_errors("{ me { ...F } x: me { ...F } } fragment F on User {" + aliases(60) + " }")),
            "Query aliases 121 exceed the limit of 100");
}

TEST(GraphqlLimits, LimitsAreConfigurable) {
  RequestLimits limits;
  limits.max_depth = 2;
  limits.max_cost = 10;
  const Document d = parse("{ tasks { nodes { id } } }");
  EXPECT_EQ(messages(check_limits(d, d.operations[0], schema(), {}, limits)),
            "Query depth 3 exceeds the limit of 2 | Query cost 60 exceeds the limit of 10");
}

}  // namespace
}  // namespace keel::graphql
