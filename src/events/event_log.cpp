#include "events/event_log.hpp"

#include <limits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json_text.hpp"
#include "core/metrics.hpp"
#include "storage/sql_dialect.hpp"

namespace keel::events {
namespace {

// The same on both databases: SQLite numbers the row itself (seq is its AUTOINCREMENT key),
// PostgreSQL leaves seq NULL for the sequencer.
constexpr std::string_view kInsert =
    "INSERT INTO events (id, type, resource, record_id, actor_id, at, data, previous) VALUES ";
constexpr std::size_t kColumns = 8;
// A cascade's events go in a few multi-row statements, not one each. Their sizes are powers of
// two up to 64, so each connection prepares at most seven texts of this statement, whatever the
// cascades' sizes (its statement cache would otherwise fill with one text per size).
constexpr std::size_t kMaxRowsPerInsert = 64;

std::size_t rows_in_next_insert(std::size_t left) {
  std::size_t n = kMaxRowsPerInsert;
  while (n > left) n /= 2;
  return n;
}

// Sequencer step (needs_sequencer only, under the lock): the committed rows still unnumbered, in
// insert order, get the next numbers above the highest given so far. That is the largest seq
// left, or what trimming removed when it emptied the table; both read in the statement's own
// snapshot, taken after the lock, so it sees every earlier step committed.
// The head: the largest seq given, or the trimmed bound once trimming emptied the table. The
// sequencer numbers above it; version() reports it.
constexpr std::string_view kHeadOfLog =
    "(SELECT MAX(h) FROM (SELECT MAX(seq) AS h FROM events UNION ALL SELECT trimmed_through FROM event_log) AS heads)";
constexpr std::string_view kSequence =
    "UPDATE events SET seq = numbered.base + numbered.rn "
    "FROM (SELECT todo.pos, row_number() OVER (ORDER BY todo.pos) AS rn, {} "
    "AS base FROM (SELECT pos FROM events WHERE seq IS NULL ORDER BY pos LIMIT $1) AS todo) AS numbered "
    "WHERE events.pos = numbered.pos";
constexpr std::int64_t kSequenceBatch = 10000;
constexpr std::string_view kAnyUnsequenced = "SELECT pos FROM events WHERE seq IS NULL LIMIT 1";
// A lock key no other feature uses (migrations take 74350001).
constexpr std::int64_t kSequencerLock = 74350002;

constexpr std::string_view kRead =
    "SELECT seq, {}, type, resource, {}, {}, {}, data, previous FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";
// Read after the events: a trim that ran in between shows here, so a page is never short of
// trimmed events without saying so.
constexpr std::string_view kHead =
    "SELECT trimmed_through, (SELECT MAX(seq) FROM events) FROM event_log WHERE id = 1";

constexpr std::string_view kTrimScan =
    "SELECT seq, {} FROM events WHERE seq IS NOT NULL AND seq <= $1 ORDER BY seq LIMIT $2";
constexpr std::string_view kTrimDelete = "DELETE FROM events WHERE seq <= $1";
constexpr std::string_view kTrimMark = "UPDATE event_log SET trimmed_through = $1 WHERE id = 1 AND trimmed_through < $1";

std::int64_t integer(const storage::Value& v) {
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  return 0;  // NULL: nothing there
}

const std::string& text(const storage::Value& v) { return std::get<std::string>(v); }

// One row of kRead as the §9 envelope.
void append_event(std::string& out, const std::vector<storage::Value>& row) {
  out += "{\"id\":";
  append_json_string(out, text(row[1]));
  out += ",\"seq\":" + std::to_string(integer(row[0])) + ",\"type\":";
  append_json_string(out, text(row[2]));
  out += ",\"resource\":";
  append_json_string(out, text(row[3]));
  out += ",\"recordId\":";
  append_json_string(out, text(row[4]));
  out += ",\"actorId\":";
  if (const auto* actor = std::get_if<std::string>(&row[5])) {
    append_json_string(out, *actor);
  } else {
    out += "null";
  }
  out += ",\"at\":";
  append_json_string(out, text(row[6]));
  out += ",\"data\":";
  out += text(row[7]);  // JSON the log wrote itself
  out += '}';
}

// version(): the head (kHeadOfLog) and the committed rows still unnumbered (none on SQLite, where seq is the row's
// key: no such count there, since `seq IS NULL` on it would not use an index).
constexpr std::string_view kVersion = "SELECT {}, {}";
constexpr std::string_view kVersionUnnumbered = "(SELECT count(*) FROM events WHERE seq IS NULL)";

constexpr std::string_view kRelayState = "SELECT trimmed_through, published_through FROM event_log WHERE id = 1";
constexpr std::string_view kSetPublished =
    "UPDATE event_log SET published_through = $1 WHERE id = 1 AND (published_through IS NULL OR published_through < $1)";

}  // namespace

EventLog::EventLog(storage::Database& db, const Clock& clock, Metrics& metrics, EventLogOptions options)
    : db_(db),
      clock_(clock),
      options_(options),
      needs_sequencer_(!db.dialect().serialises_writers()),
      written_(metrics.counter("keel_events_written_total", "Events committed to the event log.").series({})),
      lock_(db.dialect().transaction_lock(kSequencerLock)) {
  const storage::SqlDialect& d = db.dialect();
  read_ = fmt::format(kRead, d.uuid_text("id"), d.uuid_text("record_id"), d.uuid_text("actor_id"), d.timestamp_text("at"));
  trim_scan_ = fmt::format(kTrimScan, d.timestamp_text("at"));
  sequence_ = fmt::format(kSequence, kHeadOfLog);
  version_ = fmt::format(kVersion, kHeadOfLog, needs_sequencer_ ? kVersionUnnumbered : std::string_view("0"));
}

Task<void> EventLog::record(storage::Transaction& tx, Event event) {
  std::vector<Event> one;
  one.push_back(std::move(event));
  co_await record(tx, std::move(one));
}

Task<void> EventLog::record(storage::Transaction& tx, std::vector<Event> events) {
  if (events.empty()) co_return;
  const auto now = clock_.now();
  const std::string at = format_timestamp(now);
  for (std::size_t first = 0, n = 0; first < events.size(); first += n) {
    n = rows_in_next_insert(events.size() - first);
    std::string sql(kInsert);
    storage::Params params;
    params.reserve(n * kColumns);
    for (std::size_t i = 0; i < n; ++i) {
      Event& e = events[first + i];
      sql += i == 0 ? "(" : ", (";
      for (std::size_t c = 1; c <= kColumns; ++c) {
        sql += c == 1 ? "$" : ", $";
        sql += std::to_string(i * kColumns + c);
      }
      sql += ")";
      params.emplace_back(new_uuid_v7(now));
      params.emplace_back(std::move(e.type));
      params.emplace_back(std::move(e.resource));
      params.emplace_back(std::move(e.record_id));
      params.push_back(e.actor_id ? storage::Value(std::move(*e.actor_id)) : storage::Value(nullptr));
      params.emplace_back(at);
      params.emplace_back(std::move(e.data));
      params.push_back(e.previous ? storage::Value(std::move(*e.previous)) : storage::Value(nullptr));
    }
    // Nothing to read back: on PostgreSQL the insert rides with the COMMIT (or the next
    // statement), so the event costs the write no round trip of its own.
    co_await tx.execute_deferred(std::move(sql), std::move(params));
  }
  count_after_commit(tx, events.size());
}

void EventLog::count_after_commit(storage::Transaction& tx, std::size_t n) {
  tx.after_commit([this, n] {
    written_.inc(static_cast<double>(n));
    if (needs_sequencer_) {
      if (wake_) wake_();
    } else if (readable_) {
      readable_();
    }
  });
}

Task<std::int64_t> EventLog::sequence() {
  if (!needs_sequencer_) co_return 0;
  std::int64_t total = 0;
  for (;;) {
    // Idle ticks cost one indexed read, not a locked transaction.
    const storage::Result waiting = co_await db_.query(std::string(kAnyUnsequenced));
    if (waiting.rows.empty()) break;
    std::int64_t numbered = 0;
    co_await db_.transaction([&](storage::Transaction& tx) -> Task<void> {
      // Instances sharing the database take turns: two steps never hand out the same numbers,
      // and each one's numbers are above all of the steps before it.
      if (!lock_.empty()) co_await tx.execute_deferred(lock_);
      storage::Params params{kSequenceBatch};  // named: g++ 12 can't co_await with a braced list in it
      const storage::Result r = co_await tx.execute(sequence_, std::move(params));
      numbered = r.rows_affected;
    });
    total += numbered;
    if (numbered < kSequenceBatch) break;
  }
  if (total > 0 && readable_) readable_();
  co_return total;
}

Task<EventPage> EventLog::read(std::int64_t since, std::int64_t limit) {
  const storage::Result rows = co_await rows_after(since, limit);
  const storage::Result head = co_await db_.query(std::string(kHead));
  const std::int64_t trimmed = head.rows.empty() ? 0 : integer(head.rows[0][0]);
  const std::int64_t newest = head.rows.empty() ? 0 : integer(head.rows[0][1]);
  if (since < trimmed) {
    // Events after `since` are gone: the reader must rebuild its state and start again.
    throw Error::validation({{"since", "resync required"}}, "Events after this seq were trimmed already");
  }
  EventPage page;
  page.next_since = since;
  page.head_seq = std::max(newest, trimmed);
  std::string& out = page.json;
  out.reserve(256 + rows.rows.size() * 256);
  out += "{\"data\":[";
  for (std::size_t i = 0; i < rows.rows.size(); ++i) {
    page.next_since = integer(rows.rows[i][0]);
    if (i > 0) out += ',';
    append_event(out, rows.rows[i]);
  }
  out += "],\"meta\":{\"nextSince\":" + std::to_string(page.next_since) +
         ",\"headSeq\":" + std::to_string(page.head_seq) + "}}";
  co_return page;
}

Task<storage::Result> EventLog::rows_after(std::int64_t since, std::int64_t limit) {
  storage::Params params{since, limit};
  co_return co_await db_.query(read_, std::move(params));
}

Task<std::vector<LoggedEvent>> EventLog::after(std::int64_t since, std::int64_t limit) {
  const storage::Result rows = co_await rows_after(since, limit);
  std::vector<LoggedEvent> out;
  out.reserve(rows.rows.size());
  for (const auto& row : rows.rows) {
    LoggedEvent e{integer(row[0]), text(row[1]), text(row[2]), {}};
    e.json.reserve(256 + text(row[7]).size());
    append_event(e.json, row);
    out.push_back(std::move(e));
  }
  co_return out;
}

Task<std::vector<Change>> EventLog::changes(std::int64_t since, std::int64_t limit) {
  const storage::Result rows = co_await rows_after(since, limit);
  const storage::Result head = co_await db_.query(std::string(kHead));
  if (!head.rows.empty() && since < integer(head.rows[0][0])) {
    throw Error::validation({{"since", "resync required"}}, "Events after this seq were trimmed already");
  }
  std::vector<Change> out;
  out.reserve(rows.rows.size());
  for (const auto& row : rows.rows) {
    Change c{integer(row[0]), text(row[2]), text(row[3]), text(row[7]), std::nullopt, text(row[6])};
    if (const auto* previous = std::get_if<std::string>(&row[8])) c.previous = *previous;
    out.push_back(std::move(c));
  }
  co_return out;
}

Task<std::int64_t> EventLog::head_seq() {
  const storage::Result head = co_await db_.query(std::string(kHead));
  if (head.rows.empty()) co_return 0;
  co_return std::max(integer(head.rows[0][0]), integer(head.rows[0][1]));
}

Task<std::pair<std::int64_t, std::int64_t>> EventLog::version() {
  co_return version_of(co_await db_.query(version_));
}

std::pair<std::int64_t, std::int64_t> EventLog::version_of(const storage::Result& r) {
  if (r.rows.empty()) return {0, 0};
  return {integer(r.rows[0][0]), integer(r.rows[0][1])};
}

Task<std::int64_t> EventLog::relay_start() {
  const storage::Result r = co_await db_.query(std::string(kRelayState));
  if (r.rows.empty()) co_return 0;
  const std::int64_t trimmed = integer(r.rows[0][0]);
  const auto* published = std::get_if<std::int64_t>(&r.rows[0][1]);
  if (published && *published < trimmed) {
    spdlog::warn("events: seq {} to {} were trimmed before the broker confirmed them (the relay was off, or "
                 "AMQP_URL was unset, longer than EVENTS_RETENTION); publishing from seq {}",
                 *published + 1, trimmed, trimmed + 1);
  }
  co_return published ? std::max(*published, trimmed) : trimmed;
}

Task<void> EventLog::set_published_through(std::int64_t seq) {
  storage::Params params{seq};
  co_await db_.execute(std::string(kSetPublished), std::move(params));
}

Task<std::int64_t> EventLog::trim(std::optional<std::int64_t> up_to_seq) {
  const std::string cutoff = format_timestamp(clock_.now() - options_.retention);
  const std::int64_t bound = up_to_seq.value_or(std::numeric_limits<std::int64_t>::max());
  std::int64_t deleted = 0;
  for (;;) {
    std::int64_t batch = 0;
    bool more = false;
    // Each batch is a transaction of its own: a writer waits for one batch at most.
    co_await db_.transaction([&](storage::Transaction& tx) -> Task<void> {
      storage::Params scan{bound, kTrimBatch};
      const storage::Result r = co_await tx.execute(trim_scan_, std::move(scan));
      std::int64_t through = 0;
      for (const auto& row : r.rows) {
        if (text(row[1]) >= cutoff) break;  // a younger event: the ones after it stay too
        through = integer(row[0]);
        ++batch;
      }
      if (through == 0) co_return;
      storage::Params remove{through};
      co_await tx.execute(std::string(kTrimDelete), std::move(remove));
      storage::Params mark{through};
      co_await tx.execute(std::string(kTrimMark), std::move(mark));
      more = batch == kTrimBatch;
    });
    deleted += batch;
    if (!more) break;
  }
  co_return deleted;
}

}  // namespace keel::events
