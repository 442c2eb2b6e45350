#include "lists/list_page.hpp"

#include <fmt/format.h>

#include "core/json_text.hpp"
#include "lists/count_cache.hpp"

namespace keel::lists {

Statement page_statement(const storage::SqlDialect& dialect, const Source& source, const ListQuery& q) {
  Statement out{{}, source.params};
  ListSql sql(dialect, out.params);
  const std::string filters = sql.filters(q);
  const std::string after = sql.after(q);
  out.text = fmt::format("SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT {}", source.select, source.from,
                         where_all({source.where, filters, after}), sql.order_by(q), q.limit + 1);
  if (!q.keyset && q.page > 1) out.text += fmt::format(" OFFSET {}", (q.page - 1) * q.limit);
  return out;
}

Statement count_statement(const storage::SqlDialect& dialect, const Source& source, const ListQuery& q) {
  Statement out{{}, source.params};
  ListSql sql(dialect, out.params);
  const std::string filters = sql.filters(q);
  out.text = fmt::format("SELECT count(*) FROM {} WHERE {}", source.from, where_all({source.where, filters}));
  return out;
}

Task<Page> fetch_page(storage::Database& db, Source source, const ListQuery& q, const CursorCodec& cursors,
                      CountCache* totals) {
  Statement rows = page_statement(db.dialect(), source, q);
  const bool counts = q.total && (!q.keyset || q.total_with_cursor);
  // With kept totals, the data's version is read with the page, in one trip (one hop to the
  // blocking pool, one PostgreSQL round trip): a list between writes costs no more than that.
  std::vector<storage::Statement> reads;
  if (counts && totals) reads.push_back(totals->version_statement());
  reads.push_back({std::move(rows.text), std::move(rows.params)});
  const auto started = std::chrono::steady_clock::now();
  std::vector<storage::Result> results = co_await db.query_all(std::move(reads));
  storage::Result& result = results.back();

  Page page;
  page.rows_time = std::chrono::steady_clock::now() - started;
  const bool more = static_cast<std::int64_t>(result.rows.size()) > q.limit;
  if (more) result.rows.pop_back();
  page.rows = std::move(result.rows);
  if (more && !page.rows.empty()) {
    std::vector<storage::Value> position;
    for (const SortKey& k : q.sort) position.push_back(page.rows.back()[k.column->row_index]);
    page.next_cursor = cursors.encode(q.scope, position);
  }
  if (counts) {
    Statement count = count_statement(db.dialect(), source, q);
    if (totals) {
      page.total = co_await totals->total(db, std::move(count), results.front());
    } else {
      const storage::Result total = co_await db.query(std::move(count.text), std::move(count.params));
      page.total = std::get<std::int64_t>(total.rows.at(0).at(0));
    }
  }
  co_return page;
}

void append_meta(std::string& out, const ListQuery& q, const Page& page) {
  fmt::format_to(std::back_inserter(out), "\"meta\":{{\"limit\":{}", q.limit);
  if (!q.keyset) {
    fmt::format_to(std::back_inserter(out), ",\"page\":{}", q.page);
    if (page.total) {
      fmt::format_to(std::back_inserter(out), ",\"total\":{},\"totalPages\":{}", *page.total,
                     (*page.total + q.limit - 1) / q.limit);
    }
  }
  out += ",\"nextCursor\":";
  if (page.next_cursor) append_json_string(out, *page.next_cursor);
  else out += "null";
  out += '}';
}

std::string render_list(std::size_t count, const ListQuery& q, const Page& page,
                        const std::function<void(std::string&, std::size_t)>& append_item) {
  std::string out;
  out.reserve(64 + count * 256);
  out += "{\"data\":[";
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    append_item(out, i);
  }
  out += "],";
  append_meta(out, q, page);
  out += '}';
  return out;
}

}  // namespace keel::lists
