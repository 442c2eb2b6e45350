#include "storage/sqlite/sqlite_database.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/blocking_pool.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "storage/sqlite/sqlite_dialect.hpp"

namespace asio = boost::asio;

namespace keel::storage {
namespace {

constexpr std::size_t kStatementCacheSize = 256;

// One coroutine at a time holds the writer; others wait without blocking a thread.
class AsyncMutex {
 public:
  Task<void> lock() {
    {
      std::lock_guard l(mutex_);
      if (!locked_) {
        locked_ = true;
        co_return;
      }
    }
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this](auto handler) {
          std::unique_lock l(mutex_);
          if (!locked_) {
            locked_ = true;
            l.unlock();
            auto ex = asio::get_associated_executor(handler);
            asio::post(ex, std::move(handler));
            return;
          }
          asio::any_io_executor ex = asio::get_associated_executor(handler);
          waiters_.emplace_back(std::move(ex), std::move(handler));
        },
        asio::use_awaitable);
  }

  void unlock() {
    std::unique_lock l(mutex_);
    if (waiters_.empty()) {
      locked_ = false;
      return;
    }
    auto [ex, next] = std::move(waiters_.front());  // ownership passes straight to the next waiter
    waiters_.pop_front();
    l.unlock();
    asio::post(ex, std::move(next));
  }

 private:
  std::mutex mutex_;
  bool locked_ = false;
  std::deque<std::pair<asio::any_io_executor, asio::any_completion_handler<void()>>> waiters_;
};

class LockGuard {
 public:
  explicit LockGuard(AsyncMutex& m) : m_(m) {}
  ~LockGuard() { m_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  AsyncMutex& m_;
};

// "UNIQUE constraint failed: users.email" -> "email".
std::string unique_column(std::string_view message) {
  const auto colon = message.find(": ");
  if (colon == std::string_view::npos) return "value";
  std::string_view cols = message.substr(colon + 2);
  cols = cols.substr(0, cols.find(','));
  const auto dot = cols.find('.');
  return std::string(dot == std::string_view::npos ? cols : cols.substr(dot + 1));
}

// Driver errors become keel errors here, at the storage boundary; the SQL and SQLite's
// message go to the log only (what()).
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view sql) {
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  const std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const std::string internal = fmt::format("sqlite error {} ({}): {} [sql: {}]", extended, sqlite3_errstr(rc), message, sql);
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      throw Error::conflict(unique_column(message));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      throw Error(ErrorCode::kConflict, "The record is still referenced, or refers to one that does not exist",
                  {{"reference", "foreign key constraint failed"}}, internal);
    case SQLITE_CONSTRAINT_TRIGGER:
      // SQLite enforces ON DELETE RESTRICT with its built-in trigger program, so a restricted
      // delete reports this code (with the foreign key message), not SQLITE_CONSTRAINT_FOREIGNKEY.
      if (message == "FOREIGN KEY constraint failed") {
        throw Error(ErrorCode::kConflict, "The record is still referenced, or refers to one that does not exist",
                    {{"reference", "foreign key constraint failed"}}, internal);
      }
      break;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_INTERRUPT:  // the statement ran past DB_STATEMENT_TIMEOUT (Connection::exec)
      throw Error::unavailable("The database did not answer in time", internal);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error::unavailable("The database is busy; try again shortly", internal);
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      throw Error::unavailable("The database is unavailable", internal);
    default:
      throw Error::internal(internal);
  }
}

// One SQLite connection with its prepared statements. Used by one thread at a time.
class Connection {
 public:
  Connection(const SqliteOptions& options, bool read_only, std::atomic<std::uint64_t>& counter)
      : counter_(counter), statement_timeout_(options.statement_timeout) {
    const std::string& path = options.path;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      throw std::runtime_error(fmt::format("cannot open SQLite database {}: {}", path, why));
    }
    sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
    sqlite3_extended_result_codes(db_, 1);
    // DB_STATEMENT_TIMEOUT: SQLite calls this every kProgressSteps virtual-machine steps of a
    // running statement; past the statement's deadline it answers "stop" and the step fails
    // with SQLITE_INTERRUPT. A clock read per thousand steps costs well under 1 % of a query.
    if (statement_timeout_.count() > 0) sqlite3_progress_handler(db_, kProgressSteps, &Connection::past_deadline, this);
    try {
      run_pragma("PRAGMA foreign_keys = ON");
      // FULL syncs the WAL at every commit: a write keel acknowledged survives power loss
      // (NORMAL would sync only at checkpoints). Commits are grouped (commit_batch), so the
      // sync is shared by the writes that wait together.
      run_pragma(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      run_pragma("PRAGMA temp_store = MEMORY");
      // Reads map the file instead of a pread per page (lists touch rows all over the table),
      // and each connection keeps more pages than SQLite's 2 MB default.
      run_pragma("PRAGMA mmap_size = 1073741824");
      run_pragma("PRAGMA cache_size = -16384");
      if (read_only) run_pragma("PRAGMA query_only = ON");
    } catch (...) {
      sqlite3_close_v2(db_);
      throw;
    }
  }
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void run_pragma(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string why = err ? err : "unknown";
      sqlite3_free(err);
      throw std::runtime_error(fmt::format("SQLite setting failed ({}): {}", sql, why));
    }
  }

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  Result exec(std::string_view sql, const Params& params) {
    counter_.fetch_add(1, std::memory_order_relaxed);
    if (statement_timeout_.count() > 0) deadline_ = std::chrono::steady_clock::now() + statement_timeout_;
    sqlite3_stmt* stmt = prepare(sql);
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    bind(stmt, sql, params);

    Result result;
    const int ncols = sqlite3_column_count(stmt);
    result.columns.reserve(static_cast<std::size_t>(ncols));
    for (int i = 0; i < ncols; ++i) result.columns.emplace_back(sqlite3_column_name(stmt, i));
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw_sqlite(db_, rc, sql);
      auto& row = result.rows.emplace_back();
      row.reserve(static_cast<std::size_t>(ncols));
      for (int i = 0; i < ncols; ++i) row.push_back(column(stmt, i));
    }
    result.rows_affected = sqlite3_changes64(db_);
    return result;
  }

 private:
  static constexpr int kProgressSteps = 1000;

  static int past_deadline(void* self) {
    return std::chrono::steady_clock::now() > static_cast<Connection*>(self)->deadline_ ? 1 : 0;
  }

  sqlite3_stmt* prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kStatementCacheSize) {
      for (auto& [text, stmt] : cache_) sqlite3_finalize(stmt);
      cache_.clear();
    }
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, sql);
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  void bind(sqlite3_stmt* stmt, std::string_view sql, const Params& params) {
    const int count = sqlite3_bind_parameter_count(stmt);
    for (int i = 1; i <= count; ++i) {
      // "$3" binds params[2]; anonymous "?" parameters bind in order.
      std::size_t index = static_cast<std::size_t>(i - 1);
      if (const char* name = sqlite3_bind_parameter_name(stmt, i); name && name[0] == '$') {
        index = static_cast<std::size_t>(std::strtoul(name + 1, nullptr, 10)) - 1;
      }
      if (index >= params.size()) {
        throw Error::internal(fmt::format("statement needs parameter {} but got {} [sql: {}]", index + 1,
                                          params.size(), sql));
      }
      const Value& v = params[index];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(stmt, i);
      } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, i, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, i, *d);
      } else {
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text64(stmt, i, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) throw_sqlite(db_, rc, sql);
    }
  }

  static Value column(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER: return static_cast<std::int64_t>(sqlite3_column_int64(stmt, i));
      case SQLITE_FLOAT: return sqlite3_column_double(stmt, i);
      case SQLITE_NULL: return nullptr;
      default: {
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_blob(stmt, i));
        const int size = sqlite3_column_bytes(stmt, i);
        return std::string(data ? data : "", static_cast<std::size_t>(size));
      }
    }
  }

  sqlite3* db_ = nullptr;
  // Looked up by the statement's text as given (no copy per lookup).
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> cache_;
  std::atomic<std::uint64_t>& counter_;
  std::chrono::milliseconds statement_timeout_;
  std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace

std::string sqlite_path_from_url(std::string_view url) {
  constexpr std::string_view kScheme = "sqlite://";
  if (!url.starts_with(kScheme) || url.size() == kScheme.size()) {
    throw std::invalid_argument("expected sqlite://<path>, e.g. sqlite://./data/keel.db");
  }
  return std::string(url.substr(kScheme.size()));
}

// The database holds password hashes: its folder (when keel creates it) is 0700 and the file
// 0600 whatever the umask. SQLite gives the -wal and -shm files the database file's mode; those
// left by an older keel are tightened too.
void restrict_to_owner(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) return;
  const std::filesystem::path file(path);
  std::error_code ec;
  if (file.has_parent_path()) {
    // Only the folders created here change mode: an existing folder (".", a home) is the operator's.
    std::vector<std::filesystem::path> created;
    for (auto dir = file.parent_path(); !dir.empty() && !std::filesystem::exists(dir, ec); dir = dir.parent_path()) {
      created.push_back(dir);
      if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    }
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) throw std::runtime_error(fmt::format("cannot create the folder of SQLite database {}: {}", path, ec.message()));
    for (const auto& dir : created) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot open SQLite database {}: {}", path, std::strerror(errno)));
  const bool tightened = ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (!tightened) spdlog::warn("sqlite: cannot make {} readable by its owner only: {}", path, std::strerror(errno));
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string side = path + suffix;
    if (std::filesystem::exists(side, ec)) ::chmod(side.c_str(), 0600);
  }
}

// Writes run on one thread of their own, which owns the writer connection: a transaction's
// statements then follow each other on that thread without a hand-off per statement (the
// I/O thread waits for the whole transaction once). Reads go to the blocking pool.
struct SqliteDatabase::Impl {
  Impl(SqliteOptions o, BlockingPool& p, Metrics& m)
      : options(std::move(o)),
        pool(p),
        latency(m.histogram("keel_db_query_duration_seconds", "Database statement latency, queueing included.",
                            {"op"})) {
    for (const char* op : {"read", "write", "transaction"}) latency.touch({op});
  }
  ~Impl() { stop(); }

  // Pending writes finish (their completions go to their callers' loops), then the thread
  // ends. Their callers' loops must outlive this: App stops the database before it destroys
  // the server and the background jobs.
  void stop() {
    std::lock_guard l(stop_mutex);
    stopping.store(true);
    writer_work.reset();
    if (writer_thread.joinable()) writer_thread.join();
  }

  SqliteOptions options;
  BlockingPool& pool;
  HistogramFamily& latency;
  std::atomic<std::uint64_t> executed{0};

  std::unique_ptr<Connection> writer;
  AsyncMutex writer_lock;  // a transaction body may wait on other things: one at a time
  asio::io_context writer_loop{1};
  asio::executor_work_guard<asio::io_context::executor_type> writer_work{writer_loop.get_executor()};
  std::thread writer_thread;
  std::mutex stop_mutex;
  std::atomic<bool> stopping{false};  // no new writes: the writer thread is ending
  std::atomic<std::size_t> writes_waiting{0};

  std::mutex readers_mutex;
  std::vector<std::unique_ptr<Connection>> idle_readers;

  std::unique_ptr<Connection> take_reader() {
    {
      std::lock_guard l(readers_mutex);
      if (!idle_readers.empty()) {
        auto c = std::move(idle_readers.back());
        idle_readers.pop_back();
        return c;
      }
    }
    return std::make_unique<Connection>(options, true, executed);
  }
  void give_back(std::unique_ptr<Connection> c) {
    std::lock_guard l(readers_mutex);
    idle_readers.push_back(std::move(c));
  }

  // Bounds the writes queued for the writer thread, as the blocking pool bounds its queue.
  class WriteTicket {
   public:
    explicit WriteTicket(Impl& db) : db_(db) {
      if (db_.stopping.load()) {
        throw Error::unavailable("The server is shutting down; try again shortly", "sqlite writer stopped")
            .with_header("Retry-After", "1");
      }
      if (db_.writes_waiting.fetch_add(1) >= db_.options.max_queued_writes) {
        db_.writes_waiting.fetch_sub(1);
        throw Error::unavailable("The server is busy; try again shortly", "sqlite write queue full")
            .with_header("Retry-After", "1");
      }
      db_.writes_pending.fetch_add(1);  // the writer thread takes it off when the write starts
    }
    ~WriteTicket() { db_.writes_waiting.fetch_sub(1); }
    WriteTicket(const WriteTicket&) = delete;
    WriteTicket& operator=(const WriteTicket&) = delete;

   private:
    Impl& db_;
  };

  // The statements of a transaction run on the writer thread, inline.
  class Tx final : public Transaction {
   public:
    explicit Tx(Impl& db) : db_(db) {}
    Task<Result> execute(std::string sql, Params params) override {
      co_return db_.writer->exec(sql, params);
    }
    void commit_done() noexcept { committed(); }

   private:
    Impl& db_;
  };

  // Group commit. Transactions that queue up behind each other share one SQLite transaction
  // (BEGIN IMMEDIATE ... COMMIT), each inside its own SAVEPOINT: a failing one rolls back only
  // its savepoint, and none is acknowledged before the shared COMMIT. The pages a write touches
  // go to the WAL once per batch instead of once per write.
  struct Batch {
    std::exception_ptr failure;                // why the batch did not commit
    std::vector<asio::steady_timer*> waiters;  // released members, parked until it ends
    bool ended = false;
  };
  static constexpr std::size_t kMaxBatch = 128;
  std::shared_ptr<Batch> batch;           // the open one; writer thread only
  std::atomic<std::size_t> writes_pending{0};  // queued for the writer thread, not yet running

  std::shared_ptr<Batch> open_batch() {
    if (batch) return batch;
    // A transaction left open by a failure we could not roll back must not swallow this one.
    if (writer->in_transaction()) writer->exec("ROLLBACK", {});
    writer->exec("BEGIN IMMEDIATE", {});
    batch = std::make_shared<Batch>();
    return batch;
  }

  void end_batch(const std::shared_ptr<Batch>& b, std::exception_ptr failure) {
    b->failure = std::move(failure);
    b->ended = true;
    if (batch == b) batch.reset();
    for (auto* t : b->waiters) t->cancel();
  }

  void commit_batch(const std::shared_ptr<Batch>& b) {
    std::exception_ptr failure;
    try {
      writer->exec("COMMIT", {});
    } catch (...) {
      failure = std::current_exception();
      rollback_quietly();
    }
    end_batch(b, failure);
  }

  void rollback_quietly() {
    try {
      if (writer->in_transaction()) writer->exec("ROLLBACK", {});
    } catch (const std::exception& e) {
      spdlog::error("sqlite: ROLLBACK failed: {}", e.what());
    }
  }

  // On the writer thread: one transaction of a batch, acknowledged once the batch commits.
  Task<void> run_transaction(std::function<Task<void>(Transaction&)> body) {
    co_await writer_lock.lock();
    writes_pending.fetch_sub(1);
    std::shared_ptr<Batch> mine;
    try {
      mine = open_batch();
      writer->exec("SAVEPOINT keel_tx", {});
    } catch (...) {
      if (mine) {
        rollback_quietly();
        end_batch(mine, std::current_exception());
      }
      writer_lock.unlock();
      throw;
    }
    std::exception_ptr own_failure;
    Tx tx(*this);
    try {
      co_await body(tx);
      writer->exec("RELEASE keel_tx", {});
    } catch (...) {
      own_failure = std::current_exception();
      try {
        writer->exec("ROLLBACK TO keel_tx", {});
        writer->exec("RELEASE keel_tx", {});
      } catch (...) {
        rollback_quietly();  // the savepoint is beyond repair: so is the batch
        end_batch(mine, std::current_exception());
      }
    }
    if (!mine->ended && writes_pending.load() > 0 && mine->waiters.size() < kMaxBatch) {
      writer_lock.unlock();  // the next one in the queue joins the batch (and commits it, or passes on)
      if (own_failure) std::rethrow_exception(own_failure);
      asio::steady_timer parked(writer_loop.get_executor(), asio::steady_timer::time_point::max());
      mine->waiters.push_back(&parked);
      co_await parked.async_wait(asio::as_tuple(asio::use_awaitable));
      if (mine->failure) std::rethrow_exception(mine->failure);
      tx.commit_done();
      co_return;
    }
    if (!mine->ended) commit_batch(mine);
    writer_lock.unlock();
    if (own_failure) std::rethrow_exception(own_failure);
    if (mine->failure) std::rethrow_exception(mine->failure);
    tx.commit_done();
  }

  // On the writer thread: a statement that must run outside any transaction (PRAGMA).
  Task<Result> run_alone(std::string sql, Params params) {
    co_await writer_lock.lock();
    writes_pending.fetch_sub(1);
    LockGuard guard(writer_lock);
    if (batch) commit_batch(batch);
    co_return writer->exec(sql, params);
  }
};

SqliteDatabase::SqliteDatabase(SqliteOptions options, BlockingPool& pool, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), pool, metrics)) {
  restrict_to_owner(impl_->options.path);
  impl_->writer = std::make_unique<Connection>(impl_->options, false, impl_->executed);
  impl_->writer->run_pragma("PRAGMA journal_mode = WAL");
  impl_->writer_thread = std::thread([&loop = impl_->writer_loop] { loop.run(); });
}

SqliteDatabase::~SqliteDatabase() = default;

void SqliteDatabase::stop() { impl_->stop(); }

const SqlDialect& SqliteDatabase::dialect() const noexcept { return sqlite_dialect(); }

std::uint64_t SqliteDatabase::statements_executed() const noexcept { return impl_->executed.load(); }

Task<Result> SqliteDatabase::query(std::string sql, Params params) {
  const auto started = std::chrono::steady_clock::now();
  Impl& impl = *impl_;
  Result result = co_await impl.pool.run([&] {
    auto conn = impl.take_reader();
    Result r = conn->exec(sql, params);
    impl.give_back(std::move(conn));
    return r;
  });
  impl.latency.observe({"read"}, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return result;
}

Task<std::vector<Result>> SqliteDatabase::query_all(std::vector<Statement> statements) {
  const auto started = std::chrono::steady_clock::now();
  Impl& impl = *impl_;
  std::vector<Result> results = co_await impl.pool.run([&] {
    auto conn = impl.take_reader();
    std::vector<Result> out;
    out.reserve(statements.size());
    try {
      for (const Statement& s : statements) out.push_back(conn->exec(s.sql, s.params));
    } catch (...) {
      impl.give_back(std::move(conn));
      throw;
    }
    impl.give_back(std::move(conn));
    return out;
  });
  impl.latency.observe({"read"}, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return results;
}

Task<Result> SqliteDatabase::execute(std::string sql, Params params) {
  Impl& impl = *impl_;
  const auto started = std::chrono::steady_clock::now();
  Impl::WriteTicket ticket(impl);
  Result result;
  if (std::string_view(sql).starts_with("PRAGMA")) {
    result = co_await asio::co_spawn(impl.writer_loop, impl.run_alone(std::move(sql), std::move(params)),
                                     asio::use_awaitable);
  } else {
    // One statement is a transaction of one: it joins the batch like any other.
    auto body = [&result, &sql, &params](Transaction& tx) -> Task<void> {
      result = co_await tx.execute(std::move(sql), std::move(params));
    };
    co_await asio::co_spawn(impl.writer_loop, impl.run_transaction(body), asio::use_awaitable);
  }
  impl.latency.observe({"write"}, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return result;
}

Task<void> SqliteDatabase::transaction(std::function<Task<void>(Transaction&)> body) {
  Impl& impl = *impl_;
  const auto started = std::chrono::steady_clock::now();
  Impl::WriteTicket ticket(impl);
  co_await asio::co_spawn(impl.writer_loop, impl.run_transaction(std::move(body)), asio::use_awaitable);
  impl.latency.observe({"transaction"}, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

Task<void> SqliteDatabase::ping() {
  Result r = co_await query("SELECT 1");
  if (r.rows.size() != 1) throw Error::unavailable("The database did not answer", "sqlite ping returned no row");
}

}  // namespace keel::storage
