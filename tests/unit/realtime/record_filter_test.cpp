// realtime::matches: a subscription's filter on a record's JSON gives what the list's SQL gives.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/error.hpp"
#include "lists/list_query.hpp"
#include "realtime/record_filter.hpp"

namespace keel::realtime {
namespace {

lists::Catalog catalog() {
  lists::Catalog c{"tasks", {}};
  c.columns.push_back({"id", "id", lists::Kind::kUuid, {}, false, 0});
  c.columns.push_back({"title", "title", lists::Kind::kText, {}, false, 1});
  c.columns.push_back({"status", "status", lists::Kind::kText, {"todo", "done"}, false, 2});
  c.columns.push_back({"priority", "priority", lists::Kind::kInteger, {}, true, 3});
  c.columns.push_back({"archived", "archived", lists::Kind::kBoolean, {}, false, 4});
  c.columns.push_back({"dueAt", "dueAt", lists::Kind::kDatetime, {}, true, 5});
  return c;
}

bool passes(const std::string& query, const std::string& record) {
  static const lists::Catalog c = catalog();
  static const lists::CursorCodec cursors("k");
  std::vector<std::pair<std::string, std::string>> params;
  for (std::size_t at = 0; at < query.size();) {
    const auto amp = std::min(query.find('&', at), query.size());
    const std::string item = query.substr(at, amp - at);
    const auto eq = item.find('=');
    params.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    at = amp + 1;
  }
  const lists::ListQuery q = lists::parse_list_query(params, c, cursors, {});
  return matches(q.filters, boost::json::parse(record).as_object());
}

const std::string kTask =
    R"({"title":"Write 100% of the Docs","status":"todo","priority":3,"archived":false,"dueAt":null})";

TEST(RecordFilter, ComparesAsTheListQueryDoes) {
  EXPECT_TRUE(passes("status=todo", kTask));
  EXPECT_FALSE(passes("status=done", kTask));
  EXPECT_TRUE(passes("status[ne]=done", kTask));
  EXPECT_TRUE(passes("priority[gte]=3&priority[lt]=4", kTask));
  EXPECT_FALSE(passes("priority[gt]=3", kTask));
  EXPECT_TRUE(passes("priority[in]=1,3", kTask));
  EXPECT_FALSE(passes("priority[nin]=1,3", kTask));
  EXPECT_TRUE(passes("archived=false", kTask));
  EXPECT_FALSE(passes("archived=true", kTask));
  EXPECT_TRUE(passes("title[gt]=Wa", kTask));
  EXPECT_FALSE(passes("title[gt]=w", kTask)) << "bytewise: 'W' < 'w'";
}

TEST(RecordFilter, NullMatchesOnlyNeNinAndExistsFalse) {
  EXPECT_FALSE(passes("dueAt=2026-01-01T00:00:00.000Z", kTask));
  EXPECT_FALSE(passes("dueAt[lt]=2026-01-01T00:00:00.000Z", kTask));
  EXPECT_TRUE(passes("dueAt[ne]=2026-01-01T00:00:00.000Z", kTask));
  EXPECT_TRUE(passes("dueAt[exists]=false", kTask));
  EXPECT_FALSE(passes("dueAt[exists]=true", kTask));
  const std::string due = R"({"dueAt":"2026-03-01T10:00:00.000Z"})";
  EXPECT_TRUE(passes("dueAt[gte]=2026-03-01T10:00:00.000Z", due));
  EXPECT_FALSE(passes("dueAt[gt]=2026-03-01T10:00:00.000Z", due));
}

TEST(RecordFilter, ContainsAndStartsWithIgnoreAsciiCaseAndTakePercentLiterally) {
  EXPECT_TRUE(passes("title[contains]=the docs", kTask));
  EXPECT_TRUE(passes("title[contains]=100%", kTask));
  EXPECT_FALSE(passes("title[contains]=100_", kTask));
  EXPECT_TRUE(passes("title[startsWith]=WRITE", kTask));
  EXPECT_FALSE(passes("title[startsWith]=Docs", kTask));
}

}  // namespace
}  // namespace keel::realtime
