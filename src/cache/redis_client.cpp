#include "cache/redis_client.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <string_view>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace keel::cache {
namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

Reply to_reply(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING: out.type = Reply::Type::kString; break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::kStatus; break;
    case REDIS_REPLY_ERROR: out.type = Reply::Type::kError; break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(to_reply(r->element[i]));
      break;
    default: out.type = Reply::Type::kNil; break;
  }
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR) {
    out.text.assign(r->str, r->len);
  }
  return out;
}

// Appends the RESP form of a command to `out` (hiredis formats it).
void append_command(std::string& out, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* cmd = nullptr;
  const int n = redisFormatCommandArgv(&cmd, static_cast<int>(argv.size()), argv.data(), lengths.data());
  if (n < 0 || !cmd) throw std::bad_alloc();
  out.append(cmd, static_cast<std::size_t>(n));
  redisFreeCommand(cmd);
}

struct ReaderDeleter {
  void operator()(redisReader* r) const noexcept { redisReaderFree(r); }
};

}  // namespace

struct RedisClient::Impl {
  // One command waiting for its reply; `done` is cancelled when the reply (or a failure) is in.
  struct Pending {
    explicit Pending(asio::io_context& loop) : done(loop) {}
    asio::steady_timer done;
    std::optional<Reply> reply;
    std::string failure;  // set when the connection went before the reply
  };

  explicit Impl(RedisOptions o) : options(std::move(o)) {}

  // First, so it goes last: destroying it destroys the coroutines still suspended on it, which
  // hold only a pointer to this Impl and never resume.
  asio::io_context loop{1};
  RedisOptions options;
  asio::executor_work_guard<asio::io_context::executor_type> work{loop.get_executor()};
  std::thread thread;
  std::atomic<bool> is_up{false};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> connections{0};  // connections made so far (each one answering)

  // Everything below is touched on `loop`'s thread only.
  tcp::socket socket{loop};
  bool connected = false;  // the socket is open (the handshake may still be under way)
  std::uint64_t generation = 0;  // which connection a reader or writer belongs to
  std::unique_ptr<redisReader, ReaderDeleter> reader;
  std::string out;  // commands formatted but not yet written
  bool writing = false;
  std::deque<std::shared_ptr<Pending>> pending;
  bool was_down_logged = false;
  bool ever_up = false;
  asio::steady_timer* backoff = nullptr;  // run()'s wait between attempts, to cut it short
  std::vector<std::shared_ptr<asio::steady_timer>> attempt_waiters;  // reconnect_now() callers

  // Every reconnect_now() waiting learns that an attempt ended (up or not).
  void attempt_done() {
    for (auto& w : attempt_waiters) w->cancel();
    attempt_waiters.clear();
  }

  // On the loop: the outcome of the next connection attempt, made at once (the back-off cut
  // short); true at once when up. Bounded by twice the timeout.
  Task<bool> await_attempt() {
    if (is_up) co_return true;
    if (stopping) co_return false;
    auto waiter = std::make_shared<asio::steady_timer>(loop, options.timeout * 2);
    attempt_waiters.push_back(waiter);
    if (backoff) backoff->cancel();
    co_await waiter->async_wait(kTuple);
    co_return is_up.load();
  }

  // Ends the current connection: every command waiting fails, the socket closes.
  void drop(const std::string& reason) {
    if (!connected) return;
    connected = false;
    is_up = false;
    ++generation;
    boost::system::error_code ignored;
    socket.close(ignored);
    out.clear();
    for (auto& p : pending) {
      p->failure = reason;
      p->done.cancel();
    }
    pending.clear();
    last_failure = reason;
  }
  std::string last_failure;

  void kick_writer() {
    if (writing || out.empty() || !connected) return;
    writing = true;
    asio::co_spawn(loop, write_loop(this, generation), asio::detached);
  }

  static Task<void> write_loop(Impl* self, std::uint64_t gen) {
    while (self->generation == gen && !self->out.empty()) {
      std::string buf = std::move(self->out);
      self->out.clear();
      auto [ec, n] = co_await asio::async_write(self->socket, asio::buffer(buf), kTuple);
      if (ec && self->generation == gen) {
        self->writing = false;
        self->drop("write failed: " + ec.message());
        co_return;
      }
    }
    self->writing = false;
  }

  static Task<void> read_loop(Impl* self, std::uint64_t gen) {
    std::vector<char> buf(16 * 1024);
    for (;;) {
      auto [ec, n] = co_await self->socket.async_read_some(asio::buffer(buf), kTuple);
      if (self->generation != gen) co_return;
      if (ec) {
        self->drop(ec == asio::error::eof ? std::string("the server closed the connection") : "read failed: " + ec.message());
        co_return;
      }
      if (redisReaderFeed(self->reader.get(), buf.data(), n) != REDIS_OK) {
        self->drop("unreadable reply");
        co_return;
      }
      for (;;) {
        void* raw = nullptr;
        if (redisReaderGetReply(self->reader.get(), &raw) != REDIS_OK) {
          self->drop("unreadable reply");
          co_return;
        }
        if (!raw) break;
        const std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw), freeReplyObject);
        if (!self->options.subscribe.empty() && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
            reply->element[0]->type == REDIS_REPLY_STRING && std::string_view(reply->element[0]->str, reply->element[0]->len) == "message") {
          // A published message, not the answer to a command.
          if (self->options.on_message) {
            self->options.on_message(std::string(reply->element[1]->str, reply->element[1]->len),
                                     std::string(reply->element[2]->str, reply->element[2]->len));
          }
          continue;
        }
        if (self->pending.empty()) {
          self->drop("a reply nobody asked for");
          co_return;
        }
        auto p = std::move(self->pending.front());
        self->pending.pop_front();
        p->reply = to_reply(reply.get());
        p->done.cancel();
      }
    }
  }

  // Sends a command on the current connection and waits for its reply (on `loop`).
  Task<Reply> send(std::vector<std::string> args) {
    if (!connected) throw Error::unavailable("Redis is unavailable", "redis: not connected");
    auto p = std::make_shared<Pending>(loop);
    append_command(out, args);
    pending.push_back(p);
    kick_writer();
    p->done.expires_after(options.timeout);
    co_await p->done.async_wait(kTuple);
    if (p->reply) co_return std::move(*p->reply);
    if (!p->failure.empty()) throw Error::unavailable("Redis is unavailable", "redis: " + p->failure);
    // The timer ran out: a later reply would answer the wrong command, so the connection goes.
    drop(fmt::format("no reply within {} ms", options.timeout.count()));
    throw Error::unavailable("Redis is unavailable", "redis: no reply in time");
  }

  // Connects, says who we are, and picks the database.
  Task<void> connect() {
    tcp::resolver resolver(loop);
    asio::steady_timer timer(loop);
    timer.expires_after(options.timeout);
    auto resolved = co_await (resolver.async_resolve(options.endpoint.host, std::to_string(options.endpoint.port), kTuple) ||
                              timer.async_wait(kTuple));
    if (resolved.index() == 1) throw std::runtime_error("resolving the host timed out");
    auto [rec, results] = std::get<0>(resolved);
    if (rec) throw std::runtime_error("cannot resolve " + options.endpoint.host + ": " + rec.message());
    socket = tcp::socket(loop);
    timer.expires_after(options.timeout);
    auto connected_or = co_await (asio::async_connect(socket, results, kTuple) || timer.async_wait(kTuple));
    if (connected_or.index() == 1) {
      boost::system::error_code ignored;
      socket.close(ignored);
      throw std::runtime_error("connecting timed out");
    }
    if (auto [cec, endpoint] = std::get<0>(connected_or); cec) throw std::runtime_error(cec.message());
    socket.set_option(tcp::no_delay(true));
    reader.reset(redisReaderCreate());
    connected = true;
    asio::co_spawn(loop, read_loop(this, generation), asio::detached);
    const RedisEndpoint& e = options.endpoint;
    if (!e.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!e.user.empty()) auth.push_back(e.user);
      auth.push_back(e.password);
      const Reply r = co_await send(std::move(auth));
      if (r.is_error()) throw std::runtime_error("AUTH refused: " + r.text);
    }
    if (e.db != 0) {
      std::vector<std::string> select{"SELECT", std::to_string(e.db)};  // (g++ 12: no braces in co_await)
      const Reply r = co_await send(std::move(select));
      if (r.is_error()) throw std::runtime_error("SELECT refused: " + r.text);
    }
    std::vector<std::string> ping{"PING"};
    const Reply pong = co_await send(std::move(ping));
    if (pong.is_error()) throw std::runtime_error("PING refused: " + pong.text);
    for (const auto& channel : options.subscribe) {
      std::vector<std::string> subscribe{"SUBSCRIBE", channel};
      const Reply r = co_await send(std::move(subscribe));
      if (r.is_error()) throw std::runtime_error("SUBSCRIBE refused: " + r.text);
    }
    if (!options.subscribe.empty() && options.on_subscribed) options.on_subscribed();
  }

  // Keeps a connection up for as long as the client lives.
  static Task<void> run(Impl* self) {
    std::chrono::milliseconds backoff{50};
    asio::steady_timer wait(self->loop);
    self->backoff = &wait;
    while (!self->stopping) {
      std::string reason;
      try {
        co_await self->connect();
        ++self->connections;
        self->is_up = true;
        self->attempt_done();
        backoff = std::chrono::milliseconds(50);
        if (!self->ever_up || self->was_down_logged) {
          spdlog::info("redis: {} {}", self->ever_up ? "up again:" : "connected to", self->options.endpoint.display());
        }
        self->ever_up = true;
        self->was_down_logged = false;
        // Up: PING now and then, so a connection that went quiet is found out.
        while (self->connected && !self->stopping) {
          wait.expires_after(self->options.health_period);
          co_await wait.async_wait(kTuple);
          if (!self->connected || self->stopping) break;
          std::vector<std::string> ping{"PING"};
          co_await self->send(std::move(ping));
        }
        reason = self->last_failure;
      } catch (const std::exception& e) {
        reason = e.what();
      }
      self->drop(reason);
      self->attempt_done();
      if (self->stopping) break;
      if (!self->was_down_logged) {
        spdlog::warn("redis: {} is unavailable ({}); keel goes on without it and keeps trying",
                     self->options.endpoint.display(), reason.empty() ? self->last_failure : reason);
        self->was_down_logged = true;
      }
      wait.expires_after(backoff);
      co_await wait.async_wait(kTuple);
      backoff = std::min(backoff * 2, self->options.retry_max);
    }
    self->backoff = nullptr;
    self->attempt_done();
  }
};

RedisClient::RedisClient(RedisOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  asio::co_spawn(impl_->loop, Impl::run(impl_.get()), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop.run(); });
}

RedisClient::~RedisClient() { stop(); }

void RedisClient::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  asio::post(impl_->loop, [impl = impl_.get()] {
    impl->drop("keel is stopping");
    impl->work.reset();
    impl->loop.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

void RedisClient::post(std::vector<std::string> args) {
  if (impl_->stopping || !impl_->is_up) return;
  Impl* impl = impl_.get();
  asio::post(impl->loop, [impl, args = std::move(args)]() mutable {
    Task<Reply> sending = impl->send(std::move(args));
    asio::co_spawn(impl->loop, std::move(sending), [](std::exception_ptr, Reply) {});  // fire and forget
  });
}

void RedisClient::publish(std::string channel, std::string message) {
  std::vector<std::string> args{"PUBLISH", std::move(channel), std::move(message)};
  post(std::move(args));
}

bool RedisClient::up() const noexcept { return impl_->is_up.load(); }

std::uint64_t RedisClient::connections() const noexcept { return impl_->connections.load(); }

Task<bool> RedisClient::reconnect_now() {
  if (impl_->is_up) co_return true;
  if (impl_->stopping) co_return false;
  Task<bool> on_loop = impl_->await_attempt();  // (made apart: see command())
  co_return co_await asio::co_spawn(impl_->loop, std::move(on_loop), asio::use_awaitable);
}

Task<Reply> RedisClient::command(std::vector<std::string> args) {
  if (impl_->stopping || !impl_->is_up) throw Error::unavailable("Redis is unavailable", "redis: down");
  // The command runs on the client's loop (send() starts only there); its reply comes back here.
  // (Made apart: g++ 12 mishandles a lambda capture moved into an awaited co_spawn.)
  Task<Reply> on_loop = impl_->send(std::move(args));
  co_return co_await asio::co_spawn(impl_->loop, std::move(on_loop), asio::use_awaitable);
}

}  // namespace keel::cache
