#include "http/server.hpp"

#include <array>
#include <atomic>
#include <ctime>
#include <iterator>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "http/error_response.hpp"
#include "http/request_id.hpp"
#include "http/wire.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace keel::http {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Reads for a request line and headers are small: most requests fit in one, and a small
// buffer per connection keeps thousands of keep-alive connections cache-friendly (measured:
// 16 KiB reads cost ~5% of throughput at 256 connections). Bodies are read in larger chunks.
constexpr std::size_t kReadChunk = 1024;
constexpr std::size_t kBodyChunk = 16 * 1024;
// Bodies up to this size are copied behind the head and sent as one buffer; larger ones go
// as a second buffer of the same write.
constexpr std::size_t kCopyBodyBelow = 16 * 1024;
// After an error answer the peer may still be sending; reading a little before closing
// keeps the kernel from resetting the connection before the client reads our answer.
constexpr std::size_t kLingerBytes = 4 << 20;
constexpr auto kLingerTime = std::chrono::seconds(2);
// Deadlines only need to be right to a few milliseconds: the coarse clock reads for a
// fraction of the cost, and is read three times per request.
std::chrono::nanoseconds coarse_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
constexpr auto kNoDeadline = std::chrono::nanoseconds::max();

using BeastRequest = bhttp::request<bhttp::string_body>;

// One connection as its event loop's sweeper and stop() see it. Only touched on that loop.
struct SessionState {
  tcp::socket* socket = nullptr;
  std::chrono::nanoseconds deadline = kNoDeadline;  // the pending socket operation's (coarse_now)
  bool idle = false;                         // waiting for a next request with nothing buffered
  bool timed_out = false;
};

// One I/O thread: its event loop and the connections it serves.
// The list is declared first so it outlives the loop: destroying the loop destroys parked
// coroutines, whose cleanup erases them from the list.
struct Loop {
  std::list<SessionState*> sessions;
  asio::io_context io{1};
};

// The Date header, formatted at most once a second per thread.
const std::string& http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached.assign(buf, n);
    cached_second = now;
  }
  return cached;
}

// A request that ended before a full request was read, and what the client is told.
std::optional<Error> parse_failure(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) return Error::headers_too_large();
  if (ec == bhttp::error::body_limit) return std::nullopt;  // handled by the caller, it knows the limit
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted || ec == asio::error::broken_pipe) {
    return std::nullopt;  // the peer stalled or left: nobody to answer
  }
  return Error::bad_request("The request is not valid HTTP/1.1 (" + ec.message() + ")");
}

// Sets the deadline of the socket operation about to start; cleared when it completes.
class Deadline {
 public:
  Deadline(SessionState& s, std::chrono::milliseconds d) : s_(s) { s_.deadline = coarse_now() + d; }
  ~Deadline() { s_.deadline = kNoDeadline; }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

 private:
  SessionState& s_;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, const Pipeline& p, ExchangeObserver obs, ServerGauges g)
      : options(std::move(o)), pipeline(p), observer(std::move(obs)), gauges(g) {}

  ServerOptions options;
  const Pipeline& pipeline;
  ExchangeObserver observer;
  ServerGauges gauges;

  std::vector<std::unique_ptr<Loop>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  std::size_t next_loop = 0;

  std::atomic<std::size_t> open{0};
  std::atomic<bool> stopping{false};
  std::mutex stop_mutex;
  bool stopped = false;

  std::chrono::milliseconds sweep_interval() const {
    const auto shortest = std::min({options.header_timeout, options.body_timeout, options.idle_timeout,
                                    options.write_timeout});
    return std::clamp(shortest / 5, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> sweep(Loop& loop);
  asio::awaitable<void> session(Loop& loop, tcp::socket socket, bool over_capacity);
  asio::awaitable<beast::error_code> read_request(SessionState& state, tcp::socket& socket,
                                                  beast::flat_buffer& buffer,
                                                  bhttp::request_parser<bhttp::string_body>& parser);
  asio::awaitable<bool> serve_one(SessionState& state, tcp::socket& socket, BeastRequest hreq,
                                  const std::string& remote, Clock::time_point started);
  asio::awaitable<bool> write(SessionState& state, tcp::socket& socket, std::string head, std::string body);
  asio::awaitable<void> answer_error(SessionState& state, tcp::socket& socket, const Error& e,
                                     std::string request_id, std::string_view method, std::string_view path,
                                     const std::string& remote, Clock::time_point started);
  asio::awaitable<void> linger_close(SessionState& state, tcp::socket& socket);
  void report(const Exchange& ex) {
    if (observer) observer(ex);
  }
};

Server::Server(ServerOptions options, const Pipeline& pipeline, ExchangeObserver observer, ServerGauges gauges)
    : impl_(std::make_unique<Impl>(std::move(options), pipeline, std::move(observer), gauges)) {}

Server::~Server() {
  stop();
  // Destroying an event loop destroys the coroutines still parked on it (after a shutdown
  // timeout), and their cleanup touches this Impl: so the acceptor and loops go first.
  impl_->acceptor.reset();
  impl_->loops.clear();
}

std::uint16_t Server::port() const noexcept { return impl_->port; }
std::size_t Server::open_connections() const noexcept { return impl_->open.load(); }

void Server::start() {
  Impl& s = *impl_;
  const std::size_t n = std::max<std::size_t>(1, s.options.threads);
  for (std::size_t i = 0; i < n; ++i) {
    s.loops.push_back(std::make_unique<Loop>());
    s.guards.push_back(asio::make_work_guard(s.loops.back()->io));
  }

  tcp::resolver resolver(s.loops[0]->io);
  beast::error_code ec;
  auto results = resolver.resolve(s.options.host, std::to_string(s.options.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) throw std::runtime_error("cannot resolve HOST " + s.options.host + ": " + ec.message());
  const tcp::endpoint endpoint = results.begin()->endpoint();

  s.acceptor = std::make_unique<tcp::acceptor>(s.loops[0]->io);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) + ": " +
                             ec.message());
  }
  s.port = s.acceptor->local_endpoint().port();

  auto log_exception = [](const char* what) {
    return [what](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::critical("{} ended: {}", what, ex.what());
      }
    };
  };
  asio::co_spawn(s.loops[0]->io, s.accept_loop(), log_exception("accept loop"));
  for (auto& loop : s.loops) {
    asio::co_spawn(loop->io, s.sweep(*loop), log_exception("timeout sweeper"));
    s.threads.emplace_back([io = &loop->io] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("I/O thread caught: {}", e.what());
        }
      }
    });
  }
}

void Server::stop() {
  Impl& s = *impl_;
  std::lock_guard stop_lock(s.stop_mutex);
  if (s.stopped) return;
  s.stopped = true;
  if (s.loops.empty()) return;  // never started
  s.stopping = true;

  asio::post(s.acceptor->get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
  });
  for (auto& loop : s.loops) {
    asio::post(loop->io, [l = loop.get()] {
      for (SessionState* state : l->sessions) {
        beast::error_code ignored;
        if (state->idle) state->socket->cancel(ignored);
      }
    });
  }
  const auto deadline = Clock::now() + s.options.shutdown_timeout;
  while (s.open.load() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (const auto left = s.open.load(); left > 0) {
    spdlog::warn("shutdown: {} connection(s) still busy after {} ms; closing them", left,
                 s.options.shutdown_timeout.count());
  }
  s.guards.clear();
  for (auto& loop : s.loops) loop->io.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

asio::awaitable<void> Server::Impl::accept_loop() {
  asio::steady_timer backoff(acceptor->get_executor());
  for (;;) {
    Loop& loop = *loops[next_loop++ % loops.size()];
    auto [ec, socket] = co_await acceptor->async_accept(loop.io, kTuple);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      // Out of file descriptors or similar: keep serving the open connections, retry soon.
      spdlog::warn("accept failed: {}; retrying in 100 ms", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const bool over_capacity = open.fetch_add(1) >= options.max_connections;
    if (gauges.open_connections) gauges.open_connections->add(1);
    asio::co_spawn(loop.io, session(loop, std::move(socket), over_capacity), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("connection ended by an exception: {}", ex.what());
      }
    });
  }
}

// Socket timeouts without a timer per operation: each session records the deadline of its
// pending operation, and one timer per loop cancels the operations that are past theirs.
asio::awaitable<void> Server::Impl::sweep(Loop& loop) {
  asio::steady_timer timer(loop.io);
  const auto interval = sweep_interval();
  for (;;) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(kTuple);
    if (ec) co_return;  // deadlines still matter while shutting down; the loop's end stops this
    const auto now = coarse_now();
    for (SessionState* state : loop.sessions) {
      if (state->deadline <= now) {
        state->timed_out = true;
        state->deadline = kNoDeadline;
        beast::error_code ignored;
        state->socket->cancel(ignored);
      }
    }
  }
}

asio::awaitable<void> Server::Impl::session(Loop& loop, tcp::socket socket, bool over_capacity) {
  std::string remote;
  {
    beast::error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  SessionState state;
  state.socket = &socket;
  loop.sessions.push_front(&state);
  struct Cleanup {
    Impl& s;
    Loop& loop;
    std::list<SessionState*>::iterator it;
    ~Cleanup() {
      loop.sessions.erase(it);
      if (s.gauges.open_connections) s.gauges.open_connections->add(-1);
      s.open.fetch_sub(1);
    }
  } cleanup{*this, loop, loop.sessions.begin()};

  if (over_capacity) {
    Error busy = Error::unavailable("The server has too many open connections; try again shortly")
                     .with_header("Retry-After", "1");
    co_await answer_error(state, socket, busy, new_uuid_v7(), "-", "-", remote, Clock::now());
    co_return;
  }

  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (buffer.size() == 0) {
      if (stopping) break;
      state.idle = true;
      std::size_t n = 0;
      beast::error_code ec;
      {
        Deadline d(state, first ? options.header_timeout : options.idle_timeout);
        std::tie(ec, n) = co_await socket.async_read_some(buffer.prepare(kReadChunk), kTuple);
      }
      state.idle = false;
      if (ec) break;  // closed, idle too long, or shutting down: nothing half-received
      buffer.commit(n);
    }
    first = false;
    const auto started = Clock::now();

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    parser.eager(true);
    const beast::error_code hec = co_await read_request(state, socket, buffer, parser);
    if (hec) {
      if (state.timed_out) {
        spdlog::debug("connection from {} dropped: timed out mid-request", remote);
        co_return;
      }
      std::optional<std::string_view> incoming_id;
      std::string method = "-";
      std::string path = "-";
      if (parser.is_header_done()) {
        const auto& h = parser.get();
        if (auto it = h.find("X-Request-Id"); it != h.end()) incoming_id = it->value();
        method = std::string(h.method_string());
        path = std::string(h.target().substr(0, h.target().find('?')));
      }
      if (hec == bhttp::error::body_limit) {
        co_await answer_error(state, socket, Error::payload_too_large(options.max_body_bytes),
                              request_id_for(incoming_id), method, path, remote, started);
      } else if (auto answer = parse_failure(hec)) {
        co_await answer_error(state, socket, *answer, request_id_for(incoming_id), method, path, remote, started);
      } else {
        spdlog::debug("connection from {} dropped: {}", remote, hec.message());
      }
      co_return;
    }
    const bool keep = co_await serve_one(state, socket, parser.release(), remote, started);
    if (!keep) break;
  }
  if (!state.timed_out) co_await linger_close(state, socket);
}

// Feeds the parser from the buffer and reads more only when it needs more: most requests
// arrive whole in one read, and are then parsed without another trip through the event loop.
asio::awaitable<beast::error_code> Server::Impl::read_request(SessionState& state, tcp::socket& socket,
                                                              beast::flat_buffer& buffer,
                                                              bhttp::request_parser<bhttp::string_body>& parser) {
  bool continue_sent = false;
  for (;;) {
    while (buffer.size() > 0 && !parser.is_done()) {
      beast::error_code ec;
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec) co_return ec;
      if (used == 0) break;
    }
    if (parser.is_done()) co_return beast::error_code{};

    const bool header_done = parser.is_header_done();
    if (header_done && !continue_sent && beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      continue_sent = true;
      std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
      if (!co_await write(state, socket, std::move(interim), std::string())) co_return asio::error::broken_pipe;
    }
    beast::error_code ec;
    std::size_t n = 0;
    {
      Deadline d(state, header_done ? options.body_timeout : options.header_timeout);
      std::tie(ec, n) = co_await socket.async_read_some(buffer.prepare(header_done ? kBodyChunk : kReadChunk), kTuple);
    }
    if (ec == asio::error::eof) {
      beast::error_code eof;
      parser.put_eof(eof);
      co_return eof ? eof : beast::error_code(bhttp::error::partial_message);
    }
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

asio::awaitable<bool> Server::Impl::serve_one(SessionState& state, tcp::socket& socket, BeastRequest hreq,
                                              const std::string& remote, Clock::time_point started) {
  Request req;
  Context ctx;
  std::optional<std::string_view> incoming_id;
  if (auto it = hreq.find("X-Request-Id"); it != hreq.end()) incoming_id = it->value();
  ctx.request_id = request_id_for(incoming_id);

  req.method = parse_method(hreq.method_string());
  req.target = std::string(hreq.target());
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.headers.reserve(static_cast<std::size_t>(std::distance(hreq.begin(), hreq.end())));
  for (const auto& field : hreq) req.headers.add(field.name_string(), std::string(field.value()));
  req.body = std::move(hreq.body());
  req.remote_address = remote;

  std::optional<Response> res;
  std::exception_ptr failure;
  if (req.path.empty() || req.path.front() != '/') {
    res = error_response(Error::bad_request("The request target must be an absolute path"), ctx.request_id);
  } else {
    try {
      if (q != std::string::npos) req.query = QueryParams::parse(std::string_view(req.target).substr(q + 1));
    } catch (const Error& e) {
      res = error_response(e, ctx.request_id);
    }
  }
  if (!res) {
    if (gauges.in_flight) gauges.in_flight->add(1);
    try {
      res = co_await pipeline.run(req, ctx);
    } catch (...) {
      failure = std::current_exception();  // the error middleware missed it: still answer
    }
    if (gauges.in_flight) gauges.in_flight->add(-1);
  }
  if (failure) {
    spdlog::error("request {} escaped the error middleware", ctx.request_id);
    res = error_response(Error::internal("exception escaped the pipeline"), ctx.request_id);
  }

  const bool keep_alive = hreq.keep_alive() && !stopping;
  const bool head = req.method == Method::kHead;
  std::string wire = serialize_head(*res,
                                    {.keep_alive = keep_alive,
                                     .http10 = hreq.version() == 10,
                                     .date = http_date(),
                                     .request_id = ctx.request_id},
                                    res->body.size() < kCopyBodyBelow ? res->body.size() : 0);
  // Arguments are built before co_await: g++ 12 mishandles temporaries made inside a
  // co_await expression (a conditional here destroyed its string twice).
  std::string body;
  if (!head) body = std::move(res->body);
  const std::size_t bytes = body.size();
  const bool ok = co_await write(state, socket, std::move(wire), std::move(body));
  report({.method = hreq.method_string(),
          .path = req.path,
          .route = ctx.route,
          .status = res->status,
          .bytes = bytes,
          .duration = Clock::now() - started,
          .request_id = ctx.request_id,
          .user_id = ctx.caller.user_id(),
          .remote_address = remote});
  co_return ok && keep_alive;
}

asio::awaitable<bool> Server::Impl::write(SessionState& state, tcp::socket& socket, std::string head,
                                          std::string body) {
  if (body.size() < kCopyBodyBelow) {
    head.append(body);
    body.clear();
  }
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  Deadline d(state, options.write_timeout);
  auto [ec, n] = co_await asio::async_write(socket, buffers, kTuple);
  co_return !ec;
}

asio::awaitable<void> Server::Impl::answer_error(SessionState& state, tcp::socket& socket, const Error& e,
                                                 std::string request_id, std::string_view method,
                                                 std::string_view path, const std::string& remote,
                                                 Clock::time_point started) {
  Response res = error_response(e, request_id);
  std::string wire = serialize_head(res, {.keep_alive = false, .date = http_date(), .request_id = request_id});
  const std::size_t bytes = res.body.size();
  const bool ok = co_await write(state, socket, std::move(wire), std::move(res.body));
  report({.method = method,
          .path = path,
          .route = {},
          .status = res.status,
          .bytes = bytes,
          .duration = Clock::now() - started,
          .request_id = request_id,
          .user_id = {},
          .remote_address = remote});
  if (ok) co_await linger_close(state, socket);
}

asio::awaitable<void> Server::Impl::linger_close(SessionState& state, tcp::socket& socket) {
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    std::array<char, 4096> sink;
    std::size_t total = 0;
    Deadline d(state, kLingerTime);
    while (total < kLingerBytes) {
      auto [rec, n] = co_await socket.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      total += n;
    }
  }
  socket.close(ec);
}

}  // namespace keel::http
