#include "graphql/list_arguments.hpp"

#include <gtest/gtest.h>

#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/error.hpp"
#include "unit/graphql/default_schema.hpp"

namespace keel::graphql {
namespace {

namespace json = boost::json;

const resources::Model& model() { return test::default_model(); }

const Schema& schema() { return test::default_schema(); }

const lists::CursorCodec kCursors(std::string(32, 'c'));

lists::ListQuery tasks_query(const std::string& arguments, std::string_view caller = "u1", bool total = false) {
  const FieldDef* field = schema().field_of("Query", "tasks");
  return list_query(schema(), *field, json::parse(arguments).as_object(), model().find("tasks")->catalog, kCursors,
                    caller, "Query.tasks", total);
}

ErrorDetails problems(const std::string& arguments) {
  try {
    tasks_query(arguments);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kValidation);
    return e.details();
  }
  ADD_FAILURE() << "accepted: " << arguments;
  return {};
}

TEST(ListArguments, SortFirstAndFiltersBecomeTheListQuery) {
  const lists::ListQuery q = tasks_query(
      R"({"first": 5, "sort": ["PRIORITY_DESC"], "filter": {"title": {"startsWith": "A"},
          "or": [{"priority": {"gte": 4}}, {"status": {"in": ["todo"]}}]}})");
  EXPECT_EQ(q.limit, 5);
  ASSERT_EQ(q.sort.size(), 2u);
  EXPECT_EQ(q.sort[0].column->name, "priority");
  EXPECT_TRUE(q.sort[0].descending);
  EXPECT_EQ(q.sort[1].column->name, "id");  // the tie-break, in the last key's direction
  EXPECT_TRUE(q.sort[1].descending);
  ASSERT_EQ(q.groups.size(), 1u);
  const lists::FilterGroup& top = q.groups[0];
  EXPECT_FALSE(top.any);
  ASSERT_EQ(top.filters.size(), 1u);
  EXPECT_EQ(top.filters[0].column->name, "title");
  ASSERT_EQ(top.groups.size(), 1u);
  EXPECT_TRUE(top.groups[0].any);
  EXPECT_EQ(top.groups[0].groups.size(), 2u);
  EXPECT_FALSE(q.keyset);
}

TEST(ListArguments, EveryProblemIsNamedByItsArgumentPath) {
  const ErrorDetails details = problems(
      R"({"first": 101, "filter": {"dueAt": {"gt": "soon"}, "and": [{"priority": {"gt": "x"}}]}, "after": "nope"})");
  EXPECT_TRUE(details.contains("first"));
  EXPECT_TRUE(details.contains("filter.dueAt.gt"));
  EXPECT_TRUE(details.contains("filter.and.0.priority.gt"));
  EXPECT_EQ(details.size(), 3u) << "after is judged once the rest is valid";
  EXPECT_TRUE(problems(R"({"after": "nope"})").contains("after"));
  EXPECT_TRUE(problems(R"({"first": 0})").contains("first"));
}

TEST(ListArguments, ACursorResumesOnlyTheQueryAndCallerThatMadeIt) {
  const std::string arguments = R"({"sort": ["TITLE_ASC"], "filter": {"priority": {"gte": 2}}})";
  const lists::ListQuery q = tasks_query(arguments);
  const std::string cursor = kCursors.encode(q.scope, {std::string("T1"), std::string("0190-id")});
  json::object with_cursor = json::parse(arguments).as_object();
  with_cursor["after"] = cursor;
  const lists::ListQuery resumed = tasks_query(json::serialize(with_cursor));
  EXPECT_TRUE(resumed.keyset);
  ASSERT_EQ(resumed.after.size(), 2u);
  EXPECT_EQ(std::get<std::string>(resumed.after[0]), "T1");
  // Another caller, another filter: refused.
  EXPECT_THROW(tasks_query(json::serialize(with_cursor), "u2"), Error);
  with_cursor["filter"] = json::parse(R"({"priority": {"gte": 3}})");
  EXPECT_TRUE(problems(json::serialize(with_cursor)).contains("after"));
}

TEST(ListArguments, ARootListSharesItsCursorsWithTheSameRestQuery) {
  const FieldDef* field = schema().field_of("Query", "tasks");
  const lists::Catalog& catalog = model().find("tasks")->catalog;
  auto scope_of = [&](const std::string& arguments, std::string_view place) {
    return list_query(schema(), *field, json::parse(arguments).as_object(), catalog, kCursors, "u1", place, false).scope;
  };
  const std::string arguments =
      R"({"sort": ["PRIORITY_DESC", "TITLE_ASC"], "filter": {"status": {"in": ["todo", "done"]}, "priority": {"gte": 2}}})";
  EXPECT_EQ(scope_of(arguments, ""),
            lists::cursor_scope(catalog, "u1", "-priority,title", {"priority[gte]=2", "status[in]=todo,done"}));
  // GET /api/tasks?priority[gte]=2&status[in]=todo,done&sort=-priority,title signs the same scope.
  const lists::ListOptions options{{}, "u1"};
  const lists::ListQuery rest = lists::parse_list_query(
      {{"status[in]", "todo,done"}, {"sort", "-priority,title"}, {"priority[gte]", "2"}}, catalog, kCursors, options);
  EXPECT_EQ(scope_of(arguments, ""), rest.scope);
  EXPECT_EQ(scope_of("{}", ""), lists::parse_list_query({}, catalog, kCursors, options).scope);
  // and/or, or a reverse relation: GraphQL's own scope.
  EXPECT_NE(scope_of(R"({"filter": {"or": [{"priority": {"gte": 2}}]}})", ""), scope_of("{}", ""));
  EXPECT_NE(scope_of(arguments, "Project.tasks"), rest.scope);
}

TEST(ListArguments, TotalsAreCountedWhenAskedForAlsoWithACursor) {
  const lists::ListQuery q = tasks_query("{}", "u1", true);
  EXPECT_TRUE(q.total);
  EXPECT_TRUE(q.total_with_cursor);
  EXPECT_FALSE(tasks_query("{}").total);
}

}  // namespace
}  // namespace keel::graphql
