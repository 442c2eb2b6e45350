#include "storage/postgres/postgres_database.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/metrics.hpp"
#include "storage/postgres/postgres_dialect.hpp"

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace keel::storage {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// The server cancels a statement at the statement timeout; one that has not answered this
// long after it is treated as a lost connection (the server or the network is gone).
constexpr auto kBackstopMargin = std::chrono::seconds(2);
// Sets the server's statement timeout for the connection's session, in milliseconds.
constexpr const char* kSetStatementTimeout = "SELECT set_config('statement_timeout', $1, false)";
// Prepared statements kept per connection before they are all released.
constexpr std::size_t kPreparedLimit = 256;

// PostgreSQL type OIDs keel maps to numbers (pg_type.h); everything else is text.
constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kFloat4Oid = 700, kFloat8Oid = 701,
              kNumericOid = 1700;

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// The connection is gone or in an unknown state: the request gets a 503, the connection is dropped.
[[noreturn]] void throw_lost(PGconn* conn, std::string_view what) {
  throw Error::unavailable("The database is unavailable",
                           fmt::format("postgres {}: {}", what, conn ? PQerrorMessage(conn) : "no connection"));
}

// "Key (email)=(a@b.co) already exists." -> "email".
std::string key_column(const char* detail) {
  std::string_view d = detail ? detail : "";
  const auto open = d.find("Key (");
  const auto close = d.find(")=");
  if (open == std::string_view::npos || close == std::string_view::npos || close < open + 5) return "value";
  std::string_view cols = d.substr(open + 5, close - open - 5);
  return std::string(cols.substr(0, cols.find(',')));
}

// Server errors become keel errors here; SQL and server text go to the log only (what()).
[[noreturn]] void throw_result_error(const PGresult* res, std::string_view sql) {
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state ? state : "";
  const std::string internal =
      fmt::format("postgres error {}: {} [sql: {}]", sqlstate, PQresultErrorMessage(res), sql);
  // The server's statement_timeout cancelled it: the database did not answer in time, like
  // the client-side backstop says (57014 is also an operator's pg_cancel_backend).
  if (sqlstate == "57014") throw Error::unavailable("The database did not answer in time", internal);
  if (sqlstate == "23505") throw Error::conflict(key_column(PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)));
  if (sqlstate == "23503") {
    throw Error(ErrorCode::kConflict, "The record is still referenced, or refers to one that does not exist",
                {{"reference", "foreign key constraint failed"}}, internal);
  }
  // Connection exceptions, shutdown, too many connections, serialisation failures: try again later.
  if (sqlstate.starts_with("08") || sqlstate.starts_with("57P") || sqlstate == "53300" || sqlstate == "40001" ||
      sqlstate == "40P01") {
    throw Error::unavailable("The database is unavailable", internal);
  }
  throw Error::internal(internal);
}

Value column_value(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return nullptr;
  const char* text = PQgetvalue(res, row, col);
  const int len = PQgetlength(res, row, col);
  switch (PQftype(res, col)) {
    case kBoolOid: return std::int64_t{text[0] == 't' ? 1 : 0};
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      std::int64_t v = 0;
      std::from_chars(text, text + len, v);
      return v;
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      double v = 0;
      std::from_chars(text, text + len, v);
      return v;
    }
    default: return std::string(text, static_cast<std::size_t>(len));
  }
}

Result to_result(const PGresult* res) {
  Result out;
  const int cols = PQnfields(res);
  const int rows = PQntuples(res);
  for (int c = 0; c < cols; ++c) out.columns.emplace_back(PQfname(res, c));
  out.rows.reserve(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    auto& row = out.rows.emplace_back();
    row.reserve(static_cast<std::size_t>(cols));
    for (int c = 0; c < cols; ++c) row.push_back(column_value(res, r, c));
  }
  const char* affected = PQcmdTuples(const_cast<PGresult*>(res));
  if (affected && *affected) std::from_chars(affected, affected + std::strlen(affected), out.rows_affected);
  return out;
}

// One libpq connection and the statements it has prepared.
struct Connection {
  explicit Connection(PGconn* c) : conn(c) {}
  ~Connection() { PQfinish(conn); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* conn;
  std::unordered_map<std::string, std::string> prepared;  // SQL -> statement name
  std::uint64_t next_statement = 0;
  std::atomic<std::uint64_t>* executed = nullptr;  // the database's statement count
  // How long a statement's socket may stay silent before the connection counts as lost.
  std::chrono::steady_clock::duration wait_limit = std::chrono::seconds(30) + kBackstopMargin;
  bool broken = false;
};

// Waits for the connection's socket on the calling coroutine's event loop. The descriptor
// is registered only for the wait, so a connection can serve coroutines on any loop.
Task<void> wait_socket(Connection& c, bool for_write, std::chrono::steady_clock::duration timeout) {
  auto ex = co_await asio::this_coro::executor;
  asio::posix::stream_descriptor socket(ex, PQsocket(c.conn));
  struct Release {  // libpq owns the file descriptor: unregister it, never close it
    asio::posix::stream_descriptor& s;
    ~Release() { s.release(); }
  } release{socket};
  asio::steady_timer timer(ex);
  timer.expires_after(timeout);
  auto which = co_await (
      socket.async_wait(for_write ? asio::posix::stream_descriptor::wait_write : asio::posix::stream_descriptor::wait_read,
                        kTuple) ||
      timer.async_wait(kTuple));
  if (which.index() == 1) {
    c.broken = true;
    throw Error::unavailable("The database did not answer in time", "postgres: socket wait timed out");
  }
}

Task<void> flush(Connection& c) {
  for (;;) {
    const int r = PQflush(c.conn);
    if (r == 0) co_return;
    if (r < 0) {
      c.broken = true;
      throw_lost(c.conn, "flush");
    }
    co_await wait_socket(c, true, c.wait_limit);
  }
}

// Reads every result of the command just sent; returns the last one.
Task<ResultPtr> collect(Connection& c) {
  ResultPtr last;
  for (;;) {
    while (!PQisBusy(c.conn)) {
      ResultPtr next(PQgetResult(c.conn));
      if (!next) co_return last;
      last = std::move(next);
    }
    co_await wait_socket(c, false, c.wait_limit);
    if (!PQconsumeInput(c.conn)) {
      c.broken = true;
      throw_lost(c.conn, "read");
    }
  }
}

// Releases every statement the connection prepared, when `adding` more would pass the limit:
// list queries come in many shapes (filters, in-lists), and the server's memory stays bounded.
Task<void> make_room_for_statements(Connection& c, std::size_t adding) {
  if (adding == 0 || c.prepared.size() + adding <= kPreparedLimit) co_return;
  if (!PQsendQuery(c.conn, "DEALLOCATE ALL")) {
    c.broken = true;
    throw_lost(c.conn, "deallocate");
  }
  co_await flush(c);
  ResultPtr done = co_await collect(c);
  if (!done || PQresultStatus(done.get()) != PGRES_COMMAND_OK) {
    c.broken = true;
    throw_lost(c.conn, "deallocate");
  }
  c.prepared.clear();
}

// A statement's parameters as the C strings libpq sends (every value travels as text; the
// server types it from the statement).
struct ParamText {
  ParamText(const std::string& sql, const Params& params) : storage(params.size()), values(params.size(), nullptr) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        storage[i] = std::to_string(*n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        char buf[32];
        storage[i].assign(buf, std::to_chars(buf, buf + sizeof buf, *d).ptr);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        // libpq takes C strings: a NUL would silently cut the value. Features refuse U+0000
        // naming the field; this is the backstop for any value that slipped past them.
        if (s->find('\0') != std::string::npos) {
          throw Error(ErrorCode::kValidation, "A value contains U+0000, which can't be stored", {},
                      fmt::format("postgres: parameter ${} contains NUL [sql: {}]", i + 1, sql));
        }
        storage[i] = *s;
      } else {
        continue;  // NULL
      }
      values[i] = storage[i].c_str();
    }
  }
  int count() const { return static_cast<int>(values.size()); }

  std::vector<std::string> storage;
  std::vector<const char*> values;
};

// Runs one statement, preparing it first on this connection if it is new here.
Task<Result> run(Connection& c, std::string sql, Params params) {
  if (c.executed) c.executed->fetch_add(1, std::memory_order_relaxed);
  auto it = c.prepared.find(sql);
  if (it == c.prepared.end()) {
    co_await make_room_for_statements(c, 1);
    const std::string name = fmt::format("k{}", ++c.next_statement);
    if (!PQsendPrepare(c.conn, name.c_str(), sql.c_str(), 0, nullptr)) {
      c.broken = true;
      throw_lost(c.conn, "prepare");
    }
    co_await flush(c);
    ResultPtr prepared = co_await collect(c);
    if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      if (PQstatus(c.conn) != CONNECTION_OK) c.broken = true;
      if (!prepared) throw_lost(c.conn, "prepare");
      throw_result_error(prepared.get(), sql);
    }
    it = c.prepared.emplace(sql, name).first;
  }

  const ParamText text(sql, params);
  if (!PQsendQueryPrepared(c.conn, it->second.c_str(), text.count(), text.values.data(), nullptr, nullptr, 0)) {
    c.broken = true;
    throw_lost(c.conn, "send");
  }
  co_await flush(c);
  ResultPtr res = co_await collect(c);
  if (!res) throw_lost(c.conn, "no result");
  const auto status = PQresultStatus(res.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    if (PQstatus(c.conn) != CONNECTION_OK) {
      c.broken = true;
      throw_lost(c.conn, "query");
    }
    throw_result_error(res.get(), sql);
  }
  co_return to_result(res.get());
}

// The next result of a pipeline: nullptr ends one command's results.
Task<ResultPtr> next_result(Connection& c) {
  while (PQisBusy(c.conn)) {
    co_await wait_socket(c, false, c.wait_limit);
    if (!PQconsumeInput(c.conn)) {
      c.broken = true;
      throw_lost(c.conn, "read");
    }
  }
  co_return ResultPtr(PQgetResult(c.conn));
}

// Runs `statements` in order in one round trip (libpq's pipeline mode: all sent, then one Sync,
// then every result read), preparing the new ones on the way; returns their results in order.
// The first failure is thrown as run() throws it; the statements after it did not run. In a
// transaction the failure leaves it aborted (the caller rolls back); outside one, the pipeline
// was one implicit transaction and nothing of it stays.
Task<std::vector<Result>> run_pipelined(Connection& c, std::vector<Statement> statements) {
  if (statements.size() == 1) {
    std::vector<Result> one;
    one.push_back(co_await run(c, std::move(statements[0].sql), std::move(statements[0].params)));
    co_return one;
  }
  // Converted before anything is sent: a value refused here leaves the connection as it was.
  std::vector<ParamText> texts;
  texts.reserve(statements.size());
  for (const Statement& s : statements) texts.emplace_back(s.sql, s.params);
  std::size_t unprepared = 0;
  for (const Statement& s : statements) unprepared += c.prepared.contains(s.sql) ? 0 : 1;
  co_await make_room_for_statements(c, unprepared);
  if (c.executed) c.executed->fetch_add(statements.size(), std::memory_order_relaxed);

  // What was sent, in order: each command's results are read in the same order.
  struct Sent {
    const Statement* statement;
    std::string prepared_as;  // set for a PQsendPrepare, empty for the statement's execution
  };
  std::vector<Sent> sent;
  std::unordered_map<std::string, std::string> preparing;  // SQL -> name, prepared in this pipeline
  if (!PQenterPipelineMode(c.conn)) {
    c.broken = true;
    throw_lost(c.conn, "enter pipeline mode");
  }
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const Statement& s = statements[i];
    std::string name;
    if (const auto it = c.prepared.find(s.sql); it != c.prepared.end()) {
      name = it->second;
    } else if (const auto p = preparing.find(s.sql); p != preparing.end()) {
      name = p->second;
    } else {
      name = fmt::format("k{}", ++c.next_statement);
      if (!PQsendPrepare(c.conn, name.c_str(), s.sql.c_str(), 0, nullptr)) {
        c.broken = true;
        throw_lost(c.conn, "prepare");
      }
      preparing.emplace(s.sql, name);
      sent.push_back({&s, name});
    }
    if (!PQsendQueryPrepared(c.conn, name.c_str(), texts[i].count(), texts[i].values.data(), nullptr, nullptr, 0)) {
      c.broken = true;
      throw_lost(c.conn, "send");
    }
    sent.push_back({&s, {}});
  }
  if (!PQpipelineSync(c.conn)) {
    c.broken = true;
    throw_lost(c.conn, "pipeline sync");
  }
  co_await flush(c);

  ResultPtr failed;  // the first error, with the statement it came from
  const Statement* failed_statement = nullptr;
  std::vector<ResultPtr> results;
  for (const Sent& command : sent) {
    ResultPtr mine;
    for (;;) {
      ResultPtr r = co_await next_result(c);
      if (!r) break;
      mine = std::move(r);
    }
    if (!mine) {
      c.broken = true;
      throw_lost(c.conn, "no result");
    }
    const auto status = PQresultStatus(mine.get());
    if (status == PGRES_PIPELINE_ABORTED) continue;  // after a failure: it did not run
    if (status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR || status == PGRES_BAD_RESPONSE) {
      if (!failed) {
        failed = std::move(mine);
        failed_statement = command.statement;
      }
      continue;
    }
    if (!command.prepared_as.empty()) {
      c.prepared.emplace(command.statement->sql, command.prepared_as);
    } else {
      results.push_back(std::move(mine));
    }
  }
  ResultPtr sync = co_await next_result(c);
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC || !PQexitPipelineMode(c.conn)) {
    c.broken = true;
    throw_lost(c.conn, "pipeline end");
  }
  if (failed) {
    if (PQstatus(c.conn) != CONNECTION_OK) {
      c.broken = true;
      throw_lost(c.conn, "query");
    }
    throw_result_error(failed.get(), failed_statement->sql);
  }
  if (results.size() != statements.size()) throw_lost(c.conn, "no result");
  std::vector<Result> out;
  out.reserve(results.size());
  for (const ResultPtr& r : results) out.push_back(to_result(r.get()));
  co_return out;
}

// An idle connection whose server went away has its socket readable (EOF or a termination
// notice): read it, and report whether the connection is still usable.
bool still_usable(Connection& c) {
  if (PQstatus(c.conn) != CONNECTION_OK) return false;
  pollfd p{PQsocket(c.conn), POLLIN, 0};
  if (::poll(&p, 1, 0) > 0) {
    if (!PQconsumeInput(c.conn)) return false;
    while (PGnotify* n = PQnotifies(c.conn)) PQfreemem(n);
  }
  return PQstatus(c.conn) == CONNECTION_OK && PQtransactionStatus(c.conn) == PQTRANS_IDLE;
}

}  // namespace

struct PostgresDatabase::Impl {
  std::atomic<std::uint64_t> executed{0};

  Impl(PostgresOptions o, Metrics& m)
      : options(std::move(o)),
        latency(m.histogram("keel_db_query_duration_seconds", "Database statement latency, queueing included.",
                            {"op"})) {
    for (const char* op : {"read", "write", "transaction"}) latency.touch({op});
  }

  // A coroutine waiting for a connection; granted one (or the right to open one) by release().
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : executor(ex), timer(ex) {}
    asio::any_io_executor executor;
    asio::steady_timer timer;
    std::unique_ptr<Connection> conn;
    bool may_open = false;
    bool granted = false;
  };

  PostgresOptions options;
  HistogramFamily& latency;
  std::mutex mutex;
  std::vector<std::unique_ptr<Connection>> idle;
  std::size_t open = 0;
  std::deque<std::shared_ptr<Waiter>> waiters;

  Task<std::unique_ptr<Connection>> connect() {
    PGconn* raw = PQconnectStart(options.url.c_str());
    if (!raw) throw Error::unavailable("The database is unavailable", "postgres: out of memory connecting");
    auto c = std::make_unique<Connection>(raw);
    if (PQstatus(raw) == CONNECTION_BAD) throw_lost(raw, "connect");
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    const auto deadline = std::chrono::steady_clock::now() + options.connect_timeout;
    while (st != PGRES_POLLING_OK) {
      if (st == PGRES_POLLING_FAILED) throw_lost(raw, "connect");
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) throw_lost(raw, "connect timed out");
      co_await wait_socket(*c, st == PGRES_POLLING_WRITING, left);
      st = PQconnectPoll(raw);
    }
    if (PQsetnonblocking(raw, 1) != 0) throw_lost(raw, "set non-blocking");
    // Server notices go to the log, not to stderr.
    PQsetNoticeProcessor(
        raw, [](void*, const char* message) { spdlog::debug("postgres notice: {}", message); }, nullptr);
    // The server enforces the statement timeout, so a statement keel stopped waiting for does
    // not keep running there. Set before `executed` is: it is not one of the caller's statements.
    c->wait_limit = options.statement_timeout + kBackstopMargin;
    Params timeout;  // built apart: g++ 12 can't take an initializer list inside co_await
    timeout.emplace_back(std::to_string(std::max<std::int64_t>(1, options.statement_timeout.count())));
    co_await run(*c, kSetStatementTimeout, std::move(timeout));
    c->executed = &executed;
    co_return c;
  }

  // Returns a connection to the pool, or its slot when it is broken (nullptr).
  void release(std::unique_ptr<Connection> c) {
    std::shared_ptr<Waiter> next;
    {
      std::lock_guard l(mutex);
      const bool usable = c && !c->broken && PQtransactionStatus(c->conn) == PQTRANS_IDLE;
      if (!usable) c.reset();
      if (!waiters.empty()) {
        next = waiters.front();
        waiters.pop_front();
        next->granted = true;
        if (c) {
          next->conn = std::move(c);
        } else {
          next->may_open = true;  // the slot passes on; open stays the same
        }
      } else if (c) {
        idle.push_back(std::move(c));
      } else {
        --open;
      }
    }
    if (next) asio::post(next->executor, [next] { next->timer.cancel(); });
  }

  Task<std::unique_ptr<Connection>> open_in_slot() {
    try {
      co_return co_await connect();
    } catch (...) {
      release(nullptr);
      throw;
    }
  }

  Task<std::unique_ptr<Connection>> acquire() {
    bool may_open = false;
    {
      std::unique_lock l(mutex);
      while (!idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        if (still_usable(*c)) co_return c;
        --open;  // dropped: the server closed it (restart, idle timeout)
      }
      if (open < options.pool_size) {
        ++open;
        may_open = true;
      }
    }
    if (may_open) co_return co_await open_in_slot();

    auto w = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    w->timer.expires_after(options.acquire_timeout);
    {
      std::lock_guard l(mutex);
      waiters.push_back(w);
    }
    co_await w->timer.async_wait(kTuple);  // ends on timeout, or when release() grants
    {
      std::lock_guard l(mutex);
      if (!w->granted) {
        std::erase(waiters, w);
        throw Error::unavailable("The database is busy; try again shortly", "postgres: no free connection in time");
      }
    }
    if (w->conn) co_return std::move(w->conn);
    co_return co_await open_in_slot();
  }

  // Hands the connection back to the pool when the statement or transaction is done.
  class Lease {
   public:
    Lease(Impl& impl, std::unique_ptr<Connection> c) : impl_(impl), c_(std::move(c)) {}
    ~Lease() { impl_.release(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() const { return *c_; }

   private:
    Impl& impl_;
    std::unique_ptr<Connection> c_;
  };

  Task<Result> run_one(std::string sql, Params params, const char* op) {
    const auto started = std::chrono::steady_clock::now();
    auto conn = co_await acquire();
    Lease lease(*this, std::move(conn));
    Result r = co_await run(*lease, std::move(sql), std::move(params));
    latency.observe({op}, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    co_return r;
  }

  // BEGIN and the deferred statements wait in `pending_` and travel with the next statement (or
  // the COMMIT) in one pipeline: a transaction of one write costs two round trips, not three,
  // and a deferred statement none of its own.
  class Tx final : public Transaction {
   public:
    explicit Tx(Connection& c) : c_(c) { pending_.push_back({"BEGIN", {}}); }
    Task<Result> execute(std::string sql, Params params) override {
      pending_.push_back({std::move(sql), std::move(params)});
      std::vector<Statement> batch = std::move(pending_);
      pending_.clear();
      std::vector<Result> results = co_await run_pipelined(c_, std::move(batch));
      co_return std::move(results.back());
    }
    Task<void> execute_deferred(std::string sql, Params params) override {
      pending_.push_back({std::move(sql), std::move(params)});
      co_return;
    }
    Task<void> commit() {
      Params none;
      co_await execute(std::string("COMMIT"), std::move(none));
      committed();
    }

   private:
    Connection& c_;
    std::vector<Statement> pending_;
  };
};

PostgresDatabase::PostgresDatabase(PostgresOptions options, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), metrics)) {}

PostgresDatabase::~PostgresDatabase() = default;

std::size_t PostgresDatabase::open_connections() const noexcept {
  std::lock_guard l(impl_->mutex);
  return impl_->open;
}

Task<Result> PostgresDatabase::query(std::string sql, Params params) {
  co_return co_await impl_->run_one(std::move(sql), std::move(params), "read");
}

Task<std::vector<Result>> PostgresDatabase::query_all(std::vector<Statement> statements) {
  Impl& impl = *impl_;
  const auto started = std::chrono::steady_clock::now();
  auto conn = co_await impl.acquire();
  Impl::Lease lease(impl, std::move(conn));
  std::vector<Result> out = co_await run_pipelined(*lease, std::move(statements));
  impl.latency.observe({"read"}, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return out;
}

Task<Result> PostgresDatabase::execute(std::string sql, Params params) {
  co_return co_await impl_->run_one(std::move(sql), std::move(params), "write");
}

Task<void> PostgresDatabase::transaction(std::function<Task<void>(Transaction&)> body) {
  Impl& impl = *impl_;
  const auto started = std::chrono::steady_clock::now();
  auto conn = co_await impl.acquire();
  Impl::Lease lease(impl, std::move(conn));
  Connection& c = *lease;
  Impl::Tx tx(c);  // sends BEGIN with its first statement
  std::exception_ptr failure;
  try {
    co_await body(tx);
    co_await tx.commit();
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    if (!c.broken && PQtransactionStatus(c.conn) != PQTRANS_IDLE) {
      try {
        co_await run(c, std::string("ROLLBACK"), Params());
      } catch (const std::exception& e) {
        c.broken = true;  // state unknown: the pool drops it
        spdlog::error("postgres: ROLLBACK failed: {}", e.what());
      }
    }
    std::rethrow_exception(failure);
  }
  impl.latency.observe({"transaction"},
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

Task<void> PostgresDatabase::ping() {
  Result r = co_await query("SELECT 1");
  if (r.rows.size() != 1) throw Error::unavailable("The database did not answer", "postgres ping returned no row");
}

}  // namespace keel::storage

namespace keel::storage {
const SqlDialect& PostgresDatabase::dialect() const noexcept { return postgres_dialect(); }

std::uint64_t PostgresDatabase::statements_executed() const noexcept { return impl_->executed.load(); }
}  // namespace keel::storage
