#include "http/server.hpp"

#include <array>
#include <atomic>
#include <ctime>
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
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "http/error_response.hpp"
#include "http/request_id.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace keel::http {
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;
// After an error answer the peer may still be sending; reading a little before closing
// keeps the kernel from resetting the connection before the client reads our answer.
constexpr std::size_t kLingerBytes = 4 << 20;
constexpr auto kLingerTime = std::chrono::seconds(2);

using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// What stop() needs to see of a session: whether it is waiting for a next request.
// Only touched on the session's own executor.
struct SessionState {
  beast::tcp_stream* stream = nullptr;
  bool idle = false;
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
  if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
      ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
      ec == asio::error::broken_pipe) {
    return std::nullopt;  // the peer stalled or left: nobody to answer
  }
  return Error::bad_request("The request is not valid HTTP/1.1 (" + ec.message() + ")");
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, const Pipeline& p, ExchangeObserver obs, ServerGauges g)
      : options(std::move(o)), pipeline(p), observer(std::move(obs)), gauges(g) {}

  ServerOptions options;
  const Pipeline& pipeline;
  ExchangeObserver observer;
  ServerGauges gauges;

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  std::size_t next_context = 0;

  std::atomic<std::size_t> open{0};
  std::atomic<bool> stopping{false};
  std::mutex stop_mutex;
  bool stopped = false;

  using SessionList = std::list<std::pair<std::shared_ptr<SessionState>, asio::any_io_executor>>;
  std::mutex sessions_mutex;
  SessionList sessions;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket, bool over_capacity);
  asio::awaitable<bool> serve_one(beast::tcp_stream& stream, BeastRequest hreq, const std::string& remote,
                                  Clock::time_point started);
  asio::awaitable<void> answer_error(beast::tcp_stream& stream, const Error& e, std::string request_id,
                                     std::string_view method, std::string_view path, const std::string& remote,
                                     Clock::time_point started);
  asio::awaitable<void> linger_close(beast::tcp_stream& stream);
  void report(const Exchange& ex) {
    if (observer) observer(ex);
  }
};

Server::Server(ServerOptions options, const Pipeline& pipeline, ExchangeObserver observer, ServerGauges gauges)
    : impl_(std::make_unique<Impl>(std::move(options), pipeline, std::move(observer), gauges)) {}

Server::~Server() {
  stop();
  // Destroying an event loop destroys the coroutines still parked on it (after a shutdown
  // timeout); their cleanup touches the session list, so the loops go first.
  impl_->acceptor.reset();
  impl_->contexts.clear();
}

std::uint16_t Server::port() const noexcept { return impl_->port; }
std::size_t Server::open_connections() const noexcept { return impl_->open.load(); }

void Server::start() {
  Impl& s = *impl_;
  const std::size_t n = std::max<std::size_t>(1, s.options.threads);
  for (std::size_t i = 0; i < n; ++i) {
    s.contexts.push_back(std::make_unique<asio::io_context>(1));
    s.guards.push_back(asio::make_work_guard(*s.contexts.back()));
  }

  tcp::resolver resolver(*s.contexts[0]);
  beast::error_code ec;
  auto results = resolver.resolve(s.options.host, std::to_string(s.options.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) throw std::runtime_error("cannot resolve HOST " + s.options.host + ": " + ec.message());
  const tcp::endpoint endpoint = results.begin()->endpoint();

  s.acceptor = std::make_unique<tcp::acceptor>(*s.contexts[0]);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) + ": " +
                             ec.message());
  }
  s.port = s.acceptor->local_endpoint().port();

  asio::co_spawn(*s.contexts[0], s.accept_loop(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::critical("accept loop ended: {}", ex.what());
    }
  });
  for (auto& ctx : s.contexts) {
    s.threads.emplace_back([io = ctx.get()] {
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
  if (s.contexts.empty()) return;  // never started
  s.stopping = true;

  asio::post(s.acceptor->get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
  });
  {
    std::lock_guard lock(s.sessions_mutex);
    for (auto& [state, ex] : s.sessions) {
      asio::post(ex, [state = state] {
        if (state->stream && state->idle) state->stream->cancel();
      });
    }
  }
  const auto deadline = Clock::now() + s.options.shutdown_timeout;
  while (s.open.load() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (const auto left = s.open.load(); left > 0) {
    spdlog::warn("shutdown: {} connection(s) still busy after {} ms; closing them", left,
                 s.options.shutdown_timeout.count());
  }
  s.guards.clear();
  for (auto& ctx : s.contexts) ctx->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

asio::awaitable<void> Server::Impl::accept_loop() {
  asio::steady_timer backoff(acceptor->get_executor());
  for (;;) {
    auto& ctx = *contexts[next_context++ % contexts.size()];
    auto [ec, socket] = co_await acceptor->async_accept(ctx, kTuple);
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
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(std::move(socket), over_capacity), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("connection ended by an exception: {}", ex.what());
      }
    });
  }
}

asio::awaitable<void> Server::Impl::session(tcp::socket socket, bool over_capacity) {
  std::string remote;
  {
    beast::error_code ec;
    const auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  beast::tcp_stream stream(std::move(socket));
  auto state = std::make_shared<SessionState>();
  state->stream = &stream;
  SessionList::iterator registration;
  {
    std::lock_guard lock(sessions_mutex);
    registration = sessions.emplace(sessions.end(), state, stream.get_executor());
  }
  struct Cleanup {
    Impl& s;
    std::shared_ptr<SessionState>& state;
    SessionList::iterator it;
    ~Cleanup() {
      state->stream = nullptr;
      {
        std::lock_guard lock(s.sessions_mutex);
        s.sessions.erase(it);
      }
      if (s.gauges.open_connections) s.gauges.open_connections->add(-1);
      s.open.fetch_sub(1);
    }
  } cleanup{*this, state, registration};

  if (over_capacity) {
    Error busy = Error::unavailable("The server has too many open connections; try again shortly")
                     .with_header("Retry-After", "1");
    co_await answer_error(stream, busy, new_uuid_v7(), "-", "-", remote, Clock::now());
    co_return;
  }

  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (buffer.size() == 0) {
      if (stopping) break;
      state->idle = true;
      stream.expires_after(first ? options.header_timeout : options.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadChunk), kTuple);
      state->idle = false;
      if (ec) break;  // closed, idle too long, or shutting down: nothing half-received
      buffer.commit(n);
    }
    first = false;
    const auto started = Clock::now();

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    stream.expires_after(options.header_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    if (!hec && !parser.is_done()) {
      const auto expect = parser.get()[bhttp::field::expect];
      if (beast::iequals(expect, "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        stream.expires_after(options.write_timeout);
        auto [wec, wn] = co_await bhttp::async_write(stream, cont, kTuple);
        if (wec) break;
      }
      stream.expires_after(options.body_timeout);
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      hec = bec;
    }
    if (hec) {
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
        co_await answer_error(stream, Error::payload_too_large(options.max_body_bytes), request_id_for(incoming_id),
                              method, path, remote, started);
      } else if (auto answer = parse_failure(hec)) {
        co_await answer_error(stream, *answer, request_id_for(incoming_id), method, path, remote, started);
      } else {
        spdlog::debug("connection from {} dropped: {}", remote, hec.message());
      }
      co_return;
    }
    const bool keep = co_await serve_one(stream, parser.release(), remote, started);
    if (!keep) break;
  }
  co_await linger_close(stream);
}

asio::awaitable<bool> Server::Impl::serve_one(beast::tcp_stream& stream, BeastRequest hreq, const std::string& remote,
                                              Clock::time_point started) {
  Request req;
  Context ctx;
  std::optional<std::string_view> incoming_id;
  if (auto it = hreq.find("X-Request-Id"); it != hreq.end()) incoming_id = it->value();
  ctx.request_id = request_id_for(incoming_id);

  req.method = parse_method(hreq.method_string());
  req.target = std::string(hreq.target());
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  for (const auto& field : hreq) req.headers.add(field.name_string(), std::string(field.value()));
  req.body = std::move(hreq.body());
  req.remote_address = remote;
  const bool head = req.method == Method::kHead;

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
  BeastResponse out{static_cast<bhttp::status>(res->status), hreq.version()};
  for (const auto& [name, value] : res->headers) out.set(name, value);
  out.set(bhttp::field::date, http_date());
  out.set("X-Request-Id", ctx.request_id);
  const std::size_t bytes = res->body.size();
  if (head) {
    if (res->status != 204 && res->status != 304) out.content_length(bytes);
  } else {
    out.body() = std::move(res->body);
    out.prepare_payload();
  }
  out.keep_alive(keep_alive);

  stream.expires_after(options.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, out, kTuple);
  report({.method = hreq.method_string(),
          .path = req.path,
          .route = ctx.route,
          .status = res->status,
          .bytes = head ? 0 : bytes,
          .duration = Clock::now() - started,
          .request_id = ctx.request_id,
          .user_id = ctx.user_id,
          .remote_address = remote});
  co_return !ec && keep_alive;
}

asio::awaitable<void> Server::Impl::answer_error(beast::tcp_stream& stream, const Error& e, std::string request_id,
                                                 std::string_view method, std::string_view path,
                                                 const std::string& remote, Clock::time_point started) {
  Response res = error_response(e, request_id);
  BeastResponse out{static_cast<bhttp::status>(res.status), 11};
  for (const auto& [name, value] : res.headers) out.set(name, value);
  out.set(bhttp::field::date, http_date());
  out.set("X-Request-Id", request_id);
  out.set("X-Content-Type-Options", "nosniff");
  const std::size_t bytes = res.body.size();
  out.body() = std::move(res.body);
  out.prepare_payload();
  out.keep_alive(false);
  stream.expires_after(options.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, out, kTuple);
  report({.method = method,
          .path = path,
          .route = {},
          .status = res.status,
          .bytes = bytes,
          .duration = Clock::now() - started,
          .request_id = request_id,
          .user_id = {},
          .remote_address = remote});
  if (!ec) co_await linger_close(stream);
}

asio::awaitable<void> Server::Impl::linger_close(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    std::array<char, 4096> sink;
    std::size_t total = 0;
    stream.expires_after(kLingerTime);
    while (total < kLingerBytes) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      total += n;
    }
  }
  stream.close();
}

}  // namespace keel::http
