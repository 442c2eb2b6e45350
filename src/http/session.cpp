#include "http/session.hpp"

#include <array>
#include <ctime>
#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "http/error_response.hpp"
#include "http/growing_string_body.hpp"
#include "http/request_headers_access.hpp"
#include "http/request_id.hpp"
#include "http/websocket.hpp"
#include "http/wire.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
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

using BeastRequest = bhttp::request<GrowingStringBody>;
using Parser = bhttp::request_parser<GrowingStringBody>;

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
  if (ec == bhttp::error::bad_transfer_encoding) {
    return Error::bad_request("Transfer-Encoding must be exactly chunked, given once, without Content-Length");
  }
  if (ec == bhttp::error::body_limit) return std::nullopt;  // handled by the caller, it knows the limit
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted || ec == asio::error::broken_pipe) {
    return std::nullopt;  // the peer stalled or left: nobody to answer
  }
  return Error::bad_request("The request is not valid HTTP/1.1 (" + ec.message() + ")");
}

// True when the request's framing is one Beast reads the way every other server would: no
// Transfer-Encoding, or one Transfer-Encoding field saying exactly `chunked`. Beast accepts
// `gzip, chunked` (we decode nothing), and takes `gzip` or `chunked, gzip` for a request without
// a body, whose body bytes it would then parse as the next request.
bool chunked_only(const bhttp::fields& fields) {
  auto [first, last] = fields.equal_range(bhttp::field::transfer_encoding);
  if (first == last) return true;
  return std::next(first) == last && beast::iequals(first->value(), "chunked");
}

// A connection handed over to a WebSocket handler: counted open until it goes, as its session was.
class HandedOver {
 public:
  HandedOver(Transport& t, ClientSlot slot) : t_(t), slot_(std::move(slot)) {
    t_.open.fetch_add(1);
    if (t_.gauges.open_connections) t_.gauges.open_connections->add(1);
  }
  HandedOver(HandedOver&& other) noexcept : t_(other.t_), slot_(std::move(other.slot_)), counted_(other.counted_) {
    other.counted_ = false;
  }
  HandedOver(const HandedOver&) = delete;
  HandedOver& operator=(const HandedOver&) = delete;
  HandedOver& operator=(HandedOver&&) = delete;
  ~HandedOver() {
    if (!counted_) return;
    if (t_.gauges.open_connections) t_.gauges.open_connections->add(-1);
    t_.open.fetch_sub(1);
  }

 private:
  Transport& t_;
  ClientSlot slot_;
  bool counted_ = true;
};

// The WebSocket's life after its session ended: only the stream, the handler and the counts stay.
asio::awaitable<void> run_websocket(std::shared_ptr<Upgrade> upgrade, std::unique_ptr<WebSocket> ws, HandedOver) {
  co_await upgrade->run(*ws);
}

// One connection. Lives in serve_connection's frame, so its member coroutines may use `this`.
class Session {
 public:
  Session(Transport& t, Connections& connections, tcp::socket socket, ClientSlot slot)
      : t_(t), connections_(connections), socket_(std::move(socket)), slot_(std::move(slot)) {
    beast::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    state_.socket = &socket_;
    connections_.push_front(&state_);
    registration_ = connections_.begin();
  }
  ~Session() {
    connections_.erase(registration_);
    if (t_.gauges.open_connections) t_.gauges.open_connections->add(-1);
    t_.open.fetch_sub(1);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  asio::awaitable<void> run(Admission admission);

 private:
  asio::awaitable<beast::error_code> read_request(beast::flat_buffer& buffer, Parser& parser);
  asio::awaitable<bool> serve(BeastRequest hreq, Clock::time_point started);
  asio::awaitable<bool> write(std::string head, std::string body);
  asio::awaitable<void> serve_websocket(Request& req, std::shared_ptr<Upgrade> upgrade, std::string_view method_text,
                                        Context& ctx, Clock::time_point started);
  asio::awaitable<void> answer_error(const Error& e, std::string request_id, std::string_view method,
                                     std::string_view path, Clock::time_point started);
  asio::awaitable<void> linger_close();
  void report(const Exchange& ex) {
    if (t_.observer) t_.observer(ex);
  }

  Transport& t_;
  Connections& connections_;
  tcp::socket socket_;
  ClientSlot slot_;
  Connection state_;
  Connections::iterator registration_;
  std::string remote_;
  bool websocket_ = false;  // the connection became a WebSocket
};

asio::awaitable<void> Session::run(Admission admission) {
  if (admission != Admission::kServe) {
    Error busy = Error::unavailable(admission == Admission::kOverCapacity
                                        ? "The server has too many open connections; try again shortly"
                                        : "Too many open connections from your address; try again shortly")
                     .with_header("Retry-After", "1");
    co_await answer_error(busy, new_uuid_v7(), "-", "-", Clock::now());
    co_return;
  }

  const ServerOptions& options = t_.options;
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (buffer.size() == 0) {
      if (t_.stopping) break;
      state_.idle = true;
      std::size_t n = 0;
      beast::error_code ec;
      {
        Deadline d(state_, first ? options.header_timeout : options.idle_timeout);
        std::tie(ec, n) = co_await socket_.async_read_some(buffer.prepare(kReadChunk), kTuple);
      }
      state_.idle = false;
      if (ec) break;  // closed, idle too long, or shutting down: nothing half-received
      buffer.commit(n);
    }
    first = false;
    const auto started = Clock::now();

    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    parser.eager(false);  // stop after the headers, to check them before the body; read_request turns it on
    const beast::error_code hec = co_await read_request(buffer, parser);
    if (hec) {
      if (state_.timed_out) {
        spdlog::debug("connection from {} dropped: timed out mid-request", remote_);
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
        co_await answer_error(Error::payload_too_large(options.max_body_bytes), request_id_for(incoming_id), method,
                              path, started);
      } else if (auto answer = parse_failure(hec)) {
        co_await answer_error(*answer, request_id_for(incoming_id), method, path, started);
      } else {
        spdlog::debug("connection from {} dropped: {}", remote_, hec.message());
      }
      co_return;
    }
    const bool keep = co_await serve(parser.release(), started);
    if (!keep) break;
  }
  if (!state_.timed_out && !websocket_) co_await linger_close();
}

// Feeds the parser from the buffer and reads more only when it needs more: most requests
// arrive whole in one read, and are then parsed without another trip through the event loop.
//
// What no single read can see is bounded here, per request (issue 12, findings 1-3):
// - time: each phase has one deadline, fixed when the phase first has to wait (the headers'
//   first byte or end arrived in the same synchronous run, so that is when the phase began);
//   every read of the phase shares it, so dripping a byte at a time does not stretch it;
// - memory: Beast keeps an unfinished chunk-size line (extensions and all) or trailer section
//   buffered until it ends, so in the body phase buffered bytes past the header limit are 431;
// - a chunked body's wire bytes (sizes, extensions, data) count against the body limit, 413;
// - the framing: a Transfer-Encoding Beast would ignore (not ending in chunked) would leave
//   the body to be read as the next request, so anything but exactly `chunked` is refused.
asio::awaitable<beast::error_code> Session::read_request(beast::flat_buffer& buffer, Parser& parser) {
  const ServerOptions& options = t_.options;
  bool continue_sent = false;
  std::size_t chunked_bytes = 0;  // wire bytes of a chunked body consumed so far
  DeadlineAt header_deadline{kNoDeadline};
  DeadlineAt body_deadline{kNoDeadline};
  for (;;) {
    while (buffer.size() > 0 && !parser.is_done()) {
      const bool in_body = parser.is_header_done();
      beast::error_code ec;
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (in_body) {
        chunked_bytes += used;
        if (parser.chunked() && chunked_bytes > options.max_body_bytes) co_return bhttp::error::body_limit;
      } else if (parser.is_header_done()) {
        if (!chunked_only(parser.get())) co_return bhttp::error::bad_transfer_encoding;
        parser.eager(true);  // the rest is body: parse as much of it per call as there is
      }
      if (ec == bhttp::error::need_more) break;
      if (ec) co_return ec;
      if (used == 0) break;
    }
    if (parser.is_done()) co_return beast::error_code{};

    const bool header_done = parser.is_header_done();
    if (header_done && buffer.size() > options.max_header_bytes) co_return bhttp::error::header_limit;
    DeadlineAt& deadline = header_done ? body_deadline : header_deadline;
    if (deadline.when == kNoDeadline) {
      deadline.when = coarse_now() + (header_done ? options.body_timeout : options.header_timeout);
    }

    if (header_done && !continue_sent && beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      continue_sent = true;
      std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
      if (!co_await write(std::move(interim), std::string())) co_return asio::error::broken_pipe;
    }
    beast::error_code ec;
    std::size_t n = 0;
    {
      Deadline d(state_, deadline);
      std::tie(ec, n) = co_await socket_.async_read_some(buffer.prepare(header_done ? kBodyChunk : kReadChunk), kTuple);
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

asio::awaitable<bool> Session::serve(BeastRequest hreq, Clock::time_point started) {
  Request req;
  Context ctx;
  std::optional<std::string_view> incoming_id;
  if (auto it = hreq.find("X-Request-Id"); it != hreq.end()) incoming_id = it->value();
  ctx.request_id = request_id_for(incoming_id);

  req.method = hreq.method();
  req.target = std::string(hreq.target());
  req.path = req.target.substr(0, req.target.find('?'));
  req.body = std::move(hreq.body());
  req.remote_address = remote_;
  // What is read from the fields is read before they move into the Request (the method text
  // too: Beast keeps a method it has no verb for in the fields).
  std::string unknown_method;
  if (req.method == Method::unknown) unknown_method = std::string(hreq.method_string());
  const std::string_view method_text =
      req.method == Method::unknown ? std::string_view(unknown_method) : std::string_view(to_string(req.method));
  const bool client_keep_alive = hreq.keep_alive();
  const bool http10 = hreq.version() == 10;
  RequestHeadersAccess::fields(req.headers) = std::move(static_cast<bhttp::fields&>(hreq));

  // The target's checks and the query string are left to the pipeline (prepare_request, in
  // the router), so their errors take the error middleware's path like any other.
  Response res;
  std::exception_ptr failure;
  if (t_.gauges.in_flight) t_.gauges.in_flight->add(1);
  try {
    res = co_await t_.pipeline.run(req, ctx);
  } catch (...) {
    failure = std::current_exception();  // the error middleware missed it: still answer
  }
  if (t_.gauges.in_flight) t_.gauges.in_flight->add(-1);
  if (failure) {
    spdlog::error("request {} escaped the error middleware", ctx.request_id);
    res = error_response(Error::internal("exception escaped the pipeline"), ctx.request_id);
  }

  if (res.status == 101 && res.upgrade) {
    co_await serve_websocket(req, std::move(res.upgrade), method_text, ctx, started);
    co_return false;
  }

  const bool keep_alive = client_keep_alive && !t_.stopping;
  const bool head = req.method == Method::head;
  std::string wire = serialize_head(res,
                                    {.keep_alive = keep_alive,
                                     .http10 = http10,
                                     .date = http_date(),
                                     .request_id = ctx.request_id},
                                    res.body.size() < kCopyBodyBelow ? res.body.size() : 0);
  // Arguments are built before co_await: g++ 12 mishandles temporaries made inside a
  // co_await expression (a conditional here destroyed its string twice).
  std::string body;
  if (!head) body = std::move(res.body);
  const std::size_t bytes = body.size();
  const bool ok = co_await write(std::move(wire), std::move(body));
  report({.method = method_text,
          .path = req.path,
          .route = ctx.route,
          .status = res.status,
          .bytes = bytes,
          .duration = Clock::now() - started,
          .request_id = ctx.request_id,
          .user_id = ctx.caller.user_id(),
          .remote_address = req.remote_address});  // the client, behind trusted proxies
  co_return ok && keep_alive;
}

// A route said 101: the WebSocket handshake on the request's own headers, then the route's
// handler owns the connection until it returns. The session ends here: the socket moves into
// the WebSocket, which runs on the same loop without the session's frames and buffers (most of
// what an idle subscriber would cost), still counted as an open connection. No deadline
// applies meanwhile (the handler keeps its own), and no lingering close after it (the
// WebSocket closing handshake did that).
asio::awaitable<void> Session::serve_websocket(Request& req, std::shared_ptr<Upgrade> upgrade,
                                               std::string_view method_text, Context& ctx,
                                               Clock::time_point started) {
  bhttp::request<bhttp::empty_body> handshake;
  handshake.method(bhttp::verb::get);
  handshake.target(req.target);
  handshake.version(11);
  static_cast<bhttp::fields&>(handshake) = std::move(RequestHeadersAccess::fields(req.headers));
  websocket_ = true;
  auto ws = std::make_unique<WebSocket>(std::move(socket_));
  ws->read_message_max(upgrade->max_message_bytes());
  // Whole messages, unfragmented and uncompressed: no per-connection write buffer (4 KiB each
  // otherwise).
  ws->auto_fragment(false);
  ws->set_option(websocket::stream_base::timeout{
      t_.options.header_timeout, t_.options.idle_timeout, true});  // handshake, idle (with pings)
  ws->set_option(websocket::stream_base::decorator([](websocket::response_type& r) {
    r.set(bhttp::field::server, "keel");
  }));
  const auto [ec] = co_await ws->async_accept(handshake, asio::as_tuple(asio::use_awaitable));
  report({.method = method_text,
          .path = req.path,
          .route = ctx.route,
          .status = ec ? 400 : 101,
          .bytes = 0,
          .duration = Clock::now() - started,
          .request_id = ctx.request_id,
          .user_id = ctx.caller.user_id(),
          .remote_address = req.remote_address});
  if (ec) co_return;
  auto executor = ws->get_executor();
  asio::co_spawn(executor, run_websocket(std::move(upgrade), std::move(ws), HandedOver(t_, std::move(slot_))),
                 asio::detached);
}

asio::awaitable<bool> Session::write(std::string head, std::string body) {
  if (body.size() < kCopyBodyBelow) {
    head.append(body);
    body.clear();
  }
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  Deadline d(state_, t_.options.write_timeout);
  auto [ec, n] = co_await asio::async_write(socket_, buffers, kTuple);
  co_return !ec;
}

// The transport's own answers, to requests that never reached the pipeline (malformed, too
// large, over the connection cap): the error body and the fixed headers like any other
// error, one report, then the connection is closed.
asio::awaitable<void> Session::answer_error(const Error& e, std::string request_id, std::string_view method,
                                            std::string_view path, Clock::time_point started) {
  Response res = error_response(e, request_id);
  std::string wire = serialize_head(res, {.keep_alive = false, .date = http_date(), .request_id = request_id});
  const std::size_t bytes = res.body.size();
  const bool ok = co_await write(std::move(wire), std::move(res.body));
  report({.method = method,
          .path = path,
          .route = {},
          .status = res.status,
          .bytes = bytes,
          .duration = Clock::now() - started,
          .request_id = request_id,
          .user_id = {},
          .remote_address = remote_});
  if (ok) co_await linger_close();
}

asio::awaitable<void> Session::linger_close() {
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    std::array<char, 4096> sink;
    std::size_t total = 0;
    Deadline d(state_, kLingerTime);
    while (total < kLingerBytes) {
      auto [rec, n] = co_await socket_.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      total += n;
    }
  }
  socket_.close(ec);
}

}  // namespace

asio::awaitable<void> serve_connection(Transport& transport, Connections& connections, tcp::socket socket,
                                       Admission admission, ClientSlot slot) {
  Session session(transport, connections, std::move(socket), std::move(slot));
  co_await session.run(admission);
}

}  // namespace keel::http
