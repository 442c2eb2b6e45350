#include "lists/list_shape.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace keel::lists {
namespace {

const Catalog& tasks() {
  static const Catalog c = [] {
    Catalog cat;
    cat.name = "tasks";
    for (const char* name : {"id", "title", "status", "priority", "ownerId"}) {
      cat.columns.push_back({name, name, Kind::kText, {}, true, cat.columns.size()});
    }
    return cat;
  }();
  return c;
}

Shape shape(const std::vector<std::pair<std::string, std::string>>& params, std::vector<std::string> scope = {}) {
  const CursorCodec cursors(std::string(32, 'c'));
  return shape_of(parse_list_query(params, tasks(), cursors, {}), scope);
}

IndexColumns ascending(std::vector<std::string> names, bool unique = false) {
  IndexColumns out{{}, unique};
  for (auto& n : names) out.columns.push_back({std::move(n), false});
  return out;
}

TEST(ListShape, EqualityFiltersAndTheScopeComeFirstThenTheSortEndingWithId) {
  EXPECT_EQ(shape({{"status", "todo"}, {"sort", "-priority"}}, {"ownerId"}).key(), "ownerId,status|-priority,-id");
  EXPECT_EQ(shape({}).key(), "|id");
  // Ranges and text matches are checked on the rows the walk reaches: not part of the shape.
  EXPECT_EQ(shape({{"priority[gte]", "2"}, {"title[contains]", "x"}, {"sort", "title"}}).key(), "|title,id");
  // A sort key every matching row shares orders nothing.
  EXPECT_EQ(shape({{"status", "todo"}, {"sort", "status,-priority"}}).key(), "status|-priority,-id");
  EXPECT_EQ(shape({{"status", "todo"}, {"sort", "-priority"}}).describe(), "filtered by status, sorted by -priority,-id");
}

TEST(ListShape, AnIndexServesWhenItLeadsWithTheEqualityColumnsThenFollowsTheSortInOneDirection) {
  const Shape admin = shape({{"status", "todo"}, {"sort", "-priority"}});
  EXPECT_TRUE(serves(ascending({"status", "priority", "id"}), admin)) << "read backwards";
  EXPECT_FALSE(serves(ascending({"status", "id"}), admin)) << "matches in id order: sorted in full";
  EXPECT_FALSE(serves(ascending({"priority", "status", "id"}), admin)) << "status not leading";
  EXPECT_FALSE(serves(ascending({"status", "priority"}), admin)) << "ties not in id order";

  const Shape owner = shape({{"status", "todo"}, {"sort", "-priority"}}, {"ownerId"});
  EXPECT_TRUE(serves(ascending({"status", "ownerId", "priority", "id"}), owner)) << "equality columns in any order";
  EXPECT_FALSE(serves(ascending({"status", "priority", "id"}), owner));

  const Shape mixed = shape({{"sort", "-priority,title"}});  // ties by id ascending, as title
  EXPECT_FALSE(serves(ascending({"priority", "title", "id"}), mixed)) << "one scan can't go both ways";
  EXPECT_TRUE(serves({{{"priority", false}, {"title", true}, {"id", true}}, false}, mixed));
  EXPECT_TRUE(serves({{{"priority", true}, {"title", false}, {"id", false}}, false}, mixed));

  EXPECT_TRUE(serves(ascending({"id"}, true), shape({}))) << "the primary key serves the default order";
  EXPECT_TRUE(serves(ascending({"id"}, true), shape({{"id", "x"}, {"sort", "title"}}))) << "one row at most";
  EXPECT_FALSE(serves(ascending({"title"}, true), shape({{"sort", "-priority"}})));
}

TEST(ListShape, TheIndexBuiltForAShapeServesItAndStartsAscending) {
  for (const auto& params : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"status", "todo"}, {"sort", "-priority"}},
           {{"sort", "-priority,title"}},
           {{"sort", "priority,-title"}},
           {{"title", "a"}, {"status", "done"}},
       }) {
    const Shape s = shape(params, {"ownerId"});
    const IndexColumns index = index_for(s);
    EXPECT_TRUE(serves(index, s)) << s.key();
    EXPECT_FALSE(index.columns.front().descending) << s.key();
    EXPECT_EQ(index.columns.back().name, "id") << s.key();
  }
}

}  // namespace
}  // namespace keel::lists
