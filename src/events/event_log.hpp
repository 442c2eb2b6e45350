#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "storage/database.hpp"

namespace keel {
class Clock;
class CounterCell;
class Metrics;
}  // namespace keel

namespace keel::events {

/// One change, as a feature records it (API.md §9). The log adds id, seq and at.
struct Event {
  std::string type;      // "tasks.created", "users.deleted", "auth.logged_in", ...
  std::string resource;  // "tasks", "users", "auth"
  std::string record_id;
  std::optional<std::string> actor_id;  // the user who acted; none for keel itself
  std::string data;      // a JSON object's text: the record as an admin GETs it; never a secret
  std::optional<std::string> previous;  // for an update: the record before it (not in the §9 envelope)
};

/// A committed, numbered event as realtime subscriptions read it.
struct Change {
  std::int64_t seq = 0;
  std::string type;      // "tasks.updated"
  std::string resource;  // "tasks"
  std::string data;      // the record after (for a delete: as it was)
  std::optional<std::string> previous;  // the record before an update, when recorded
  std::string at;                       // when it was made, as §9's `time` (ISO 8601, UTC)
};

/// A page of GET /api/events, rendered: `{"data":[events],"meta":{"nextSince":…,"headSeq":…}}`.
struct EventPage {
  std::string json;
  std::int64_t next_since = 0;
  std::int64_t head_seq = 0;
};

/// A committed, numbered event as the relay publishes it: `json` is the whole §9 envelope.
struct LoggedEvent {
  std::int64_t seq = 0;
  std::string id;
  std::string type;
  std::string json;
};

struct EventLogOptions {
  std::chrono::seconds retention{86400};  // EVENTS_RETENTION
};

/// The event log (API.md §9; docs/architecture.md, Events): every change writes its event in
/// the change's own transaction, and readers follow `seq`, which grows in commit order. Where
/// the database commits concurrent transactions in any order (PostgreSQL), rows are inserted
/// unnumbered and sequence() numbers the committed ones in one ordered step; where it has one
/// writer (SQLite), rows are numbered as they are inserted. Readers only see numbered rows.
class EventLog {
 public:
  /// Every family /metrics shows for events exists from here on, at zero.
  EventLog(storage::Database& db, const Clock& clock, Metrics& metrics, EventLogOptions options);

  /// Writes the event inside `tx`, the transaction of the change: it commits or rolls back with
  /// it. Throws keel::Error from the database (the change then rolls back too).
  Task<void> record(storage::Transaction& tx, Event event);
  /// The same for several events of one change (a delete and its cascades), in this order.
  Task<void> record(storage::Transaction& tx, std::vector<Event> events);

  /// Whether committed rows wait for sequence() before readers see them (not on SQLite).
  bool needs_sequencer() const noexcept { return needs_sequencer_; }
  /// Called (on the committing thread, quickly) after each commit that wrote events, where
  /// needs_sequencer(): the App wakes the sequencer job with it.
  void on_committed(std::function<void()> wake) { wake_ = std::move(wake); }
  /// Called (quickly, never blocking) when new events became readable: after a commit that wrote
  /// some where rows are numbered at insert, after a sequencer step that numbered some elsewhere.
  /// The App wakes the relay with it. Set before the first write.
  void on_readable(std::function<void()> wake) { readable_ = std::move(wake); }
  /// One sequencer step: numbers every committed, unnumbered row in insert order, above every
  /// seq given so far, in one transaction that instances take in turns. Returns how many rows
  /// it numbered (0 where !needs_sequencer()). Throws keel::Error from the database.
  Task<std::int64_t> sequence();

  /// Up to `limit` events with seq > `since`, in seq order. Throws Error::validation with
  /// details.since = "resync required" when events after `since` were trimmed already.
  Task<EventPage> read(std::int64_t since, std::int64_t limit);

  /// Up to `limit` numbered events with seq > `since`, in seq order, each rendered (for the
  /// relay; readers behind trimmed events get fewer, never an error). Throws keel::Error.
  Task<std::vector<LoggedEvent>> after(std::int64_t since, std::int64_t limit);
  /// Up to `limit` numbered events with seq > `since`, in seq order, as realtime reads them.
  /// Throws Error::validation (details.since = "resync required") when events after `since`
  /// were trimmed already, and keel::Error from the database.
  Task<std::vector<Change>> changes(std::int64_t since, std::int64_t limit);
  /// The newest seq given (or trimmed). Throws keel::Error.
  Task<std::int64_t> head_seq();
  /// Where the log stands, in one cheap read (two index lookups): the newest seq given (or
  /// trimmed), and how many committed events wait for the sequencer. Two reads are equal only
  /// if no change committed between them, whichever instance made it: every change records an
  /// event, and numbering raises the head. Caches of derived data (list totals) check it.
  /// Throws keel::Error.
  Task<std::pair<std::int64_t, std::int64_t>> version();
  /// The statement version() runs, to run it along with others (Database::query_all).
  storage::Statement version_statement() const { return {version_, {}}; }
  /// What a result of version_statement() says: the head and the unnumbered committed events.
  static std::pair<std::int64_t, std::int64_t> version_of(const storage::Result& r);

  /// Where the relay goes on from: the last seq a broker confirmed, or, when none was recorded or
  /// events after it were trimmed meanwhile (a relay that was off), the last trimmed seq: the
  /// relay then publishes every retained event. Throws keel::Error.
  Task<std::int64_t> relay_start();
  /// Records that a broker confirmed every event up to `seq`. Throws keel::Error.
  Task<void> set_published_through(std::int64_t seq);

  /// Deletes events older than the retention in batches of `kTrimBatch` rows, oldest seq first,
  /// never beyond `up_to_seq` (what a relay published, when there is one) and never past a
  /// younger event (the retained ones stay a contiguous run of seq). Returns how many it
  /// deleted. Throws keel::Error from the database.
  Task<std::int64_t> trim(std::optional<std::int64_t> up_to_seq = std::nullopt);

  static constexpr std::int64_t kTrimBatch = 1000;

 private:
  void count_after_commit(storage::Transaction& tx, std::size_t n);
  Task<storage::Result> rows_after(std::int64_t since, std::int64_t limit);

  storage::Database& db_;
  const Clock& clock_;
  EventLogOptions options_;
  bool needs_sequencer_;
  std::function<void()> wake_;
  std::function<void()> readable_;
  CounterCell& written_;
  std::string lock_;       // the sequencer's turn-taking statement
  std::string read_;       // events after $1, at most $2
  std::string trim_scan_;  // the oldest numbered rows up to $1: seq, at
  std::string version_;    // version(): head, unnumbered
  std::string sequence_;   // the sequencer's step: numbers up to $1 committed rows above the head
};

}  // namespace keel::events
