#include "realtime/realtime_hub.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <exception>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "auth/revocations.hpp"
#include "auth/token_service.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/metrics.hpp"
#include "core/principal.hpp"
#include "events/event_log.hpp"
#include "http/request.hpp"
#include "http/websocket.hpp"
#include "realtime/record_filter.hpp"
#include "resources/resource_model.hpp"
#include "resources/resource_service.hpp"
#include "users/user_json.hpp"
#include "users/user_store.hpp"

namespace keel::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using resources::Reach;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::int64_t kPage = 1000;                       // events read from the log at a time
constexpr std::uint16_t kSessionEnded = 4401;              // API.md §10: revoked, or expired past the grace
constexpr std::size_t kMaxSubscriptionId = 64;
constexpr std::size_t kReadStep = 512;  // bytes of a client message read at a time

// The list-only query parameters a subscription filter may not carry (API.md §10: filters only).
bool is_filter_parameter(std::string_view name) {
  for (std::string_view reserved : {"sort", "limit", "page", "cursor", "fields", "expand", "total"}) {
    if (name == reserved) return false;
  }
  return true;
}

}  // namespace

/// One committed change of a declared resource, parsed once for every connection.
struct Delivery {
  std::int64_t seq = 0;
  const resources::Resource* resource = nullptr;
  std::string action;  // created, updated, deleted
  std::string data;    // the record's JSON text (after; for a delete, as it was)
  json::object record;
  std::optional<json::object> previous;
  std::int64_t at_ms = 0;  // when the change was made (unix ms; 0 when unknown)
};

namespace {

// §9's `time` (2026-12-06T02:14:35.643Z) in unix milliseconds; 0 when it is not one.
std::int64_t unix_ms_of(const std::string& iso) {
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &millis) < 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + millis;
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The owner a record names (ownerId), empty when none.
std::string_view owner_of(const json::object& record) {
  const auto* owner = record.if_contains("ownerId");
  return owner && owner->is_string() ? std::string_view(owner->get_string()) : std::string_view();
}

}  // namespace

// A change of `r` as subscriptions look at it: parsed once.
Delivery delivery_of(const events::Change& c, const resources::Resource& r) {
  Delivery d;
  d.seq = c.seq;
  d.resource = &r;
  d.action = c.type.substr(c.type.rfind('.') + 1);
  d.data = c.data;
  d.record = json::parse(c.data).as_object();
  if (c.previous) d.previous = json::parse(*c.previous).as_object();
  d.at_ms = unix_ms_of(c.at);
  return d;
}

/// One WebSocket connection (API.md §10). Everything but the constructor runs on the
/// connection's own event loop: the reader handles the client's messages in order, a writer
/// sends what is queued, and deliveries and session checks are posted to the loop.
class Peer final : public http::Upgrade, public std::enable_shared_from_this<Peer> {
 public:
  explicit Peer(Hub& hub) : hub_(hub) {}

  std::size_t max_message_bytes() const noexcept override { return hub_.options_.max_message_bytes; }
  asio::awaitable<void> run(http::WebSocket& ws) override;

  void on_change(const std::shared_ptr<const Delivery>& d);
  void tick(std::int64_t now);
  void close(std::uint16_t code, std::string reason);

  asio::any_io_executor executor;

 private:
  struct Subscription {
    const resources::Resource* resource = nullptr;
    std::vector<lists::Filter> filters;
    std::int64_t from = 0;  // events after this seq are delivered live
    bool replaying = false;
    std::vector<std::shared_ptr<const Delivery>> waiting;  // live ones that came during the replay
    std::optional<std::string> audience;                   // as joined in the hub (Hub::join)
  };
  // A server message waiting for the writer; `at_ms` is its change's time, for the latency.
  struct Outgoing {
    std::string text;
    std::int64_t at_ms = 0;
  };

  void start_writer();
  asio::awaitable<void> write_out(std::shared_ptr<Peer> self);
  asio::awaitable<void> handle(std::string_view text);
  asio::awaitable<void> authenticate(const json::object& m);
  asio::awaitable<void> subscribe(const json::object& m);
  void unsubscribe(const json::object& m);

  void deliver(const std::string& id, Subscription& s, const Delivery& d);
  std::optional<std::string> audience_of(const resources::Resource& r) const;
  void send(std::string message, std::int64_t at_ms = 0);
  void send_error(const std::optional<std::string>& id, const Error& e);
  Reach reach_of(const resources::Resource& r) const;

  Hub& hub_;
  std::optional<Principal> principal_;
  std::int64_t expires_at_ = 0;
  bool expiry_told_ = false;
  bool holding_ = false;  // token expired: deliveries wait for a new auth
  std::vector<std::shared_ptr<const Delivery>> held_;
  std::map<std::string, Subscription> subscriptions_;
  std::vector<Outgoing> out_;      // queued
  std::vector<Outgoing> sending_;  // taken by the writer
  std::size_t out_bytes_ = 0;      // not yet written, of both
  std::optional<std::pair<std::uint16_t, std::string>> closing_;
  http::WebSocket* ws_ = nullptr;
  bool ended_ = false;     // the reader is done: the writer stops
  bool writing_ = false;   // a writer runs (only while there is something to send)
  bool finished_ = false;  // closed by the writer, or a write failed: nothing more is sent
  asio::steady_timer* writer_done_ = nullptr;  // run()'s wait for the last writer
};

// --- the connection ------------------------------------------------------------------------

asio::awaitable<void> Peer::run(http::WebSocket& ws) {
  executor = co_await asio::this_coro::executor;
  ws_ = &ws;
  ws.text(true);
  hub_.add(shared_from_this());

  // A client message is read a little at a time (Beast still bounds its whole size), so an
  // idle connection keeps a small buffer: thousands of subscribers mostly sit idle.
  beast::flat_buffer buffer;
  while (!closing_ && !finished_) {
    auto [ec, n] = co_await ws.async_read_some(buffer, kReadStep, kTuple);
    if (ec) break;  // closed by the client, too big (Beast closes with 1009), or timed out
    if (!ws.is_message_done()) continue;
    const std::string text = beast::buffers_to_string(buffer.data());
    buffer.clear();
    if (buffer.capacity() > kReadStep) buffer.shrink_to_fit();  // after a big message
    co_await handle(text);
  }
  ended_ = true;
  if (writing_) {
    asio::steady_timer done(executor, asio::steady_timer::time_point::max());
    writer_done_ = &done;
    co_await done.async_wait(kTuple);
    writer_done_ = nullptr;
  }
  hub_.remove(this);  // and every subscription's place in the hub's audiences
}

// The writer runs only while there is something to send (or a close to make): an idle
// connection has no writer, no timer and no frame of its own waiting.
void Peer::start_writer() {
  if (writing_ || finished_ || ended_ || !ws_) return;
  writing_ = true;
  asio::co_spawn(executor, write_out(shared_from_this()), asio::detached);
}

asio::awaitable<void> Peer::write_out(std::shared_ptr<Peer> /*keeps it alive*/) {
  http::WebSocket& ws = *ws_;
  bool done = false;  // closed here, or a write failed
  while (!ended_ && !done) {
    if (closing_) {
      websocket::close_reason reason;
      reason.code = closing_->first;
      reason.reason = closing_->second;
      co_await ws.async_close(reason, kTuple);
      done = true;
      break;
    }
    if (out_.empty()) break;
    // Whatever is queued goes in one turn; what comes meanwhile waits for the next.
    sending_.swap(out_);
    for (Outgoing& m : sending_) {
      if (closing_ || ended_) break;
      auto [ec, n] = co_await ws.async_write(asio::buffer(m.text), kTuple);
      if (ec) {
        done = true;
        break;
      }
      out_bytes_ -= m.text.size();
      if (m.at_ms) hub_.latency_.observe(static_cast<double>(now_unix_ms() - m.at_ms) / 1000.0);
    }
    sending_.clear();
    if (sending_.capacity() > 256) sending_ = {};  // a burst's queue is not kept by an idle socket
  }
  writing_ = false;
  if (done) {
    finished_ = true;
    // The reader may be parked in a read: closing the stream or a failed write ends it.
    if (!ended_) {
      beast::error_code ignored;
      ws.next_layer().cancel(ignored);
    }
  }
  if (writer_done_) writer_done_->cancel();
}

void Peer::send(std::string message, std::int64_t at_ms) {
  if (closing_) return;
  if (out_bytes_ + message.size() > hub_.options_.max_queued_bytes) {
    hub_.closed_slow_.inc();
    out_.clear();
    close(1013, "too slow to keep up: reconnect with since");
    return;
  }
  out_bytes_ += message.size();
  out_.push_back(Outgoing{std::move(message), at_ms});
  start_writer();
}

void Peer::close(std::uint16_t code, std::string reason) {
  if (closing_) return;
  closing_.emplace(code, std::move(reason));
  start_writer();
}

void Peer::send_error(const std::optional<std::string>& id, const Error& e) {
  json::object m{{"type", "error"}, {"code", error_code_name(e.code())}, {"message", e.message()}};
  if (id) m["id"] = *id;
  if (!e.details().empty()) {
    json::object details;
    for (const auto& [k, v] : e.details()) details[k] = v;
    m["details"] = std::move(details);
  }
  send(json::serialize(m));
}

// --- the client's messages -----------------------------------------------------------------

asio::awaitable<void> Peer::handle(std::string_view text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    send_error(std::nullopt, Error(ErrorCode::kInvalidJson, "Each message must be one JSON object"));
    co_return;
  }
  const json::object& m = parsed.get_object();
  std::optional<std::string> id;
  if (const auto* v = m.if_contains("id"); v && v->is_string()) id = std::string(v->get_string());
  const auto* type = m.if_contains("type");
  const std::string_view kind = type && type->is_string() ? std::string_view(type->get_string()) : std::string_view();
  std::exception_ptr failure;
  try {
    if (kind == "ping") {
      send(R"({"type":"pong"})");
    } else if (kind == "auth") {
      co_await authenticate(m);
    } else if (kind == "subscribe") {
      co_await subscribe(m);
    } else if (kind == "unsubscribe") {
      unsubscribe(m);
    } else {
      throw Error::validation({{"type", "must be auth, subscribe, unsubscribe or ping"}});
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) co_return;
  try {
    std::rethrow_exception(failure);
  } catch (const Error& e) {
    send_error(id, e);
  } catch (const std::exception& e) {
    spdlog::error("realtime: a {} message failed: {}", kind, e.what());
    send_error(id, Error::internal(e.what()));
  }
}

asio::awaitable<void> Peer::authenticate(const json::object& m) {
  const auto* token = m.if_contains("token");
  if (!token || !token->is_string()) throw Error::unauthorized("auth needs the access token in token");
  auth::Claims claims;
  try {
    claims = hub_.tokens_.verify(token->get_string());
  } catch (const Error&) {
    throw Error::unauthorized("The access token is not valid");  // a failed auth is UNAUTHORIZED (§10)
  }
  if (hub_.revocations_.is_revoked(claims.session_id)) throw Error::unauthorized("The session has ended");
  if (principal_ && principal_->user_id != claims.user_id) {
    throw Error::forbidden("This connection is signed in as another user");
  }
  const auto user = co_await hub_.users_.find_by_id(claims.user_id);
  if (!user) throw Error::unauthorized("The access token's user does not exist");
  principal_ = Principal{claims.user_id, claims.role, claims.session_id};
  expires_at_ = claims.expires_at;
  expiry_told_ = false;
  hub_.watch(*this, claims.session_id, claims.expires_at);
  // The subscriptions' audiences follow the new rights (an anonymous connection signing in).
  for (auto& [id, s] : subscriptions_) {
    auto audience = audience_of(*s.resource);
    if (audience == s.audience) continue;
    hub_.rejoin(*this, *s.resource, s.audience ? &*s.audience : nullptr, audience ? &*audience : nullptr);
    s.audience = std::move(audience);
  }
  json::object answer{{"type", "authenticated"}, {"user", users::user_json(user->user)}};
  send(json::serialize(answer));
  if (holding_) {
    holding_ = false;
    auto held = std::move(held_);
    held_.clear();
    for (const auto& d : held) on_change(d);
  }
}

asio::awaitable<void> Peer::subscribe(const json::object& m) {
  const auto* id_value = m.if_contains("id");
  if (!id_value || !id_value->is_string() || id_value->get_string().empty() ||
      id_value->get_string().size() > kMaxSubscriptionId) {
    throw Error::validation({{"id", "must be a string of 1 to 64 characters"}});
  }
  std::string id(id_value->get_string());
  if (subscriptions_.contains(id)) throw Error::validation({{"id", "is already a subscription of this connection"}});
  if (subscriptions_.size() >= hub_.options_.max_subscriptions) {
    throw Error::validation({{"id", "a connection has at most 100 subscriptions"}});
  }
  const auto* resource_value = m.if_contains("resource");
  const resources::Resource* r = nullptr;
  if (resource_value && resource_value->is_string()) r = hub_.model_.find(resource_value->get_string());
  if (!r) throw Error::validation({{"resource", "is not a declared resource"}});
  if (reach_of(*r) == Reach::kNone) {
    if (!principal_) throw Error::unauthorized("Sign in (an auth message) to subscribe to " + r->decl.name);
    throw Error::forbidden("The access rules of this resource do not allow this");
  }
  std::vector<std::pair<std::string, std::string>> params;
  if (const auto* filter = m.if_contains("filter"); filter && !filter->is_null()) {
    if (!filter->is_string()) throw Error::validation({{"filter", "must be a query string"}});
    http::QueryParams parsed;
    try {
      parsed = http::QueryParams::parse(filter->get_string());
    } catch (const Error&) {
      throw Error::validation({{"filter", "is not a valid percent-encoded query string"}});
    }
    ErrorDetails details;
    for (const auto& [name, value] : parsed) {
      if (!is_filter_parameter(name)) details[name] = "is not a filter (subscriptions take filters only)";
      params.emplace_back(name, value);
    }
    if (!details.empty()) throw Error::validation(std::move(details));
  }
  std::optional<std::int64_t> since;
  if (const auto* s = m.if_contains("since"); s && !s->is_null()) {
    if (!s->is_int64() && !s->is_uint64()) throw Error::validation({{"since", "must be a seq (an integer >= 0)"}});
    if (s->is_int64() && s->get_int64() < 0) throw Error::validation({{"since", "must be a seq (an integer >= 0)"}});
    since = s->is_int64() ? s->get_int64() : static_cast<std::int64_t>(s->get_uint64());
  }
  const lists::ListOptions options{{}, principal_ ? principal_->user_id : std::string()};
  lists::ListQuery q = lists::parse_list_query(params, r->catalog, hub_.cursors_, options);

  // Live from here: the subscription joins its audience in the hub, and every event handed out
  // after that is posted to this connection. With `since`, live delivery starts at the log's
  // head instead, so what was acknowledged before this subscribe is replayed before
  // `subscribed` even when delivery lags behind the log (where a sequencer numbers commits, it
  // runs first); events handed out up to that head are the replay's, not delivered twice. The
  // subscription is in place (replaying: live events wait) before anything is awaited.
  auto audience = audience_of(*r);
  const std::int64_t joined = hub_.join(*this, *r, *audience);
  subscriptions_.emplace(id, Subscription{r, std::move(q.filters), joined, since.has_value(), {}, audience});
  std::int64_t live_from = joined;
  if (since) {
    std::exception_ptr failure;
    try {
      co_await hub_.log_.sequence();
      const std::int64_t head = co_await hub_.log_.head_seq();
      live_from = std::max(joined, head);
      if (auto it = subscriptions_.find(id); it != subscriptions_.end()) it->second.from = live_from;
      // The replay: events after `since` up to where live delivery starts, as this caller may
      // see them now; live ones wait meanwhile.
      std::int64_t at = *since;
      while (at < live_from) {
        const std::vector<events::Change> page = co_await hub_.log_.changes(at, kPage);
        if (page.empty()) break;
        for (const events::Change& c : page) {
          if (c.seq > live_from) break;
          at = c.seq;
          auto it = subscriptions_.find(id);
          if (it == subscriptions_.end() || c.resource != r->decl.name) continue;
          deliver(id, it->second, delivery_of(c, *r));
        }
        if (static_cast<std::int64_t>(page.size()) < kPage) break;
      }
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      if (auto it = subscriptions_.find(id); it != subscriptions_.end()) {
        hub_.leave(*this, *r, *audience);
        subscriptions_.erase(it);
      }
      try {
        std::rethrow_exception(failure);
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kValidation && e.details().contains("since")) {
          json::object answer{{"type", "error"},
                              {"id", id},
                              {"code", "RESYNC_REQUIRED"},
                              {"message", "Events after this seq were trimmed already: read the records again"}};
          send(json::serialize(answer));
          co_return;
        }
        throw;
      }
    }
  }
  auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) co_return;
  send(R"({"type":"subscribed","id":)" + json::serialize(json::value(id)) + R"(,"seq":)" +
       std::to_string(live_from) + "}");
  if (it->second.replaying) {
    it->second.replaying = false;
    auto waiting = std::move(it->second.waiting);
    it->second.waiting.clear();
    for (const auto& d : waiting) {
      if (d->seq > it->second.from) deliver(id, it->second, *d);
    }
  }
}

void Peer::unsubscribe(const json::object& m) {
  const auto* id = m.if_contains("id");
  const auto it = id && id->is_string() ? subscriptions_.find(std::string(id->get_string())) : subscriptions_.end();
  if (it == subscriptions_.end()) throw Error::validation({{"id", "is not a subscription of this connection"}});
  if (it->second.audience) hub_.leave(*this, *it->second.resource, *it->second.audience);
  subscriptions_.erase(it);
  send(R"({"type":"unsubscribed","id":)" + json::serialize(*id) + "}");
}

// --- delivery -------------------------------------------------------------------------------

Reach Peer::reach_of(const resources::Resource& r) const {
  const Reach list = resources::reach_of(r.decl.access.at(resources::Operation::kList), principal_);
  const Reach read = resources::reach_of(r.decl.access.at(resources::Operation::kRead), principal_);
  return std::min(list, read);
}

// Where a subscription to `r` listens in the hub: every record (empty), or the caller's own.
std::optional<std::string> Peer::audience_of(const resources::Resource& r) const {
  switch (reach_of(r)) {
    case Reach::kAll:
      return std::string();
    case Reach::kOwn:
      return principal_->user_id;
    default:
      return std::nullopt;
  }
}

void Peer::on_change(const std::shared_ptr<const Delivery>& d) {
  if (closing_) return;
  if (holding_) {
    held_.push_back(d);
    return;
  }
  for (auto& [id, s] : subscriptions_) {
    if (s.resource != d->resource || d->seq <= s.from) continue;
    if (s.replaying) {
      s.waiting.push_back(d);
      continue;
    }
    deliver(id, s, *d);
  }
}

// API.md §10: a subscriber gets an event only for a record its read and list rules let it see
// and that passes its filter; an update that takes a record out of the filter is a deleted, one
// that brings it in a created; `record` is always the state after the change.
void Peer::deliver(const std::string& id, Subscription& s, const Delivery& d) {
  const Reach reach = reach_of(*s.resource);
  if (reach == Reach::kNone) return;
  const auto in = [&](const json::object& record) {
    if (reach == Reach::kOwn) {
      const auto* owner = record.if_contains("ownerId");
      if (!owner || !owner->is_string() || owner->get_string() != principal_->user_id) return false;
    }
    return matches(s.filters, record);
  };
  std::string_view action = d.action;
  const bool now = in(d.record);
  if (d.action == "updated") {
    const bool before = d.previous ? in(*d.previous) : now;
    if (!now && !before) return;
    if (now && !before) action = "created";
    if (!now && before) action = "deleted";
  } else if (!now) {
    return;
  }
  std::string message = R"({"type":"event","subscription":)";
  append_json_string(message, id);
  message += R"(,"seq":)" + std::to_string(d.seq) + R"(,"action":")";
  message += action;
  message += R"(","record":)";
  message += d.data;
  message += '}';
  hub_.delivered_.inc();
  send(std::move(message), d.at_ms);
}

void Peer::tick(std::int64_t now) {
  if (closing_ || !principal_) return;
  if (hub_.revocations_.is_revoked(principal_->session_id)) {
    close(kSessionEnded, "the session has ended");
    return;
  }
  if (now >= expires_at_ + hub_.options_.token_grace.count()) {
    close(kSessionEnded, "the access token expired");
  } else if (now >= expires_at_ && !expiry_told_) {
    expiry_told_ = true;
    holding_ = true;
    send(R"({"type":"error","code":"TOKEN_EXPIRED","message":"The access token has expired: send a new auth within 30 s"})");
  }
}

// --- the hub --------------------------------------------------------------------------------

namespace {

// Connections (with how many of their subscriptions) that listen to one resource's events.
using Listeners = std::unordered_map<Peer*, int>;

struct Audience {
  Listeners everyone;                                   // see every record
  std::unordered_map<std::string, Listeners> owners;    // see only that owner's records
};

// A connection's session, as check_sessions() watches it.
struct Watch {
  std::string session_id;  // empty until the connection signs in
  std::int64_t expires_at = 0;
  bool told = false;  // its expiry was posted to it
};

struct Member {
  std::shared_ptr<Peer> peer;
  Watch watch;
  std::vector<std::pair<const resources::Resource*, std::string>> joined;  // one per subscription
};

// The events of one page that concern one connection.
struct Post {
  std::shared_ptr<Peer> peer;
  std::vector<std::shared_ptr<const Delivery>> events;
};

// Each to its connection's loop (not in a coroutine: g++ 12 warns wrongly about the executor copy).
void hand_out(std::unordered_map<Peer*, Post>& posts) {
  for (auto& [raw, post] : posts) {
    const auto executor = post.peer->executor;
    asio::post(executor, [post = std::move(post)] {
      for (const auto& d : post.events) post.peer->on_change(d);
    });
  }
}

}  // namespace

struct Hub::Registry {
  std::unordered_map<Peer*, Member> members;
  std::unordered_map<const resources::Resource*, Audience> audiences;
  std::uint64_t revocations_seen = 0;

  void join(Peer* p, const resources::Resource& r, const std::string& owner) {
    const auto m = members.find(p);
    if (m == members.end()) return;  // gone already
    m->second.joined.emplace_back(&r, owner);
    Audience& a = audiences[&r];
    ++(owner.empty() ? a.everyone : a.owners[owner])[p];
  }
  void leave(Peer* p, const resources::Resource& r, const std::string& owner) {
    const auto m = members.find(p);
    if (m == members.end()) return;
    auto& joined = m->second.joined;
    const auto j = std::find(joined.begin(), joined.end(), std::pair<const resources::Resource*, std::string>(&r, owner));
    if (j == joined.end()) return;
    joined.erase(j);
    Audience& a = audiences[&r];
    if (owner.empty()) {
      if (--a.everyone[p] == 0) a.everyone.erase(p);
      return;
    }
    const auto o = a.owners.find(owner);
    if (--o->second[p] > 0) return;
    o->second.erase(p);
    if (o->second.empty()) a.owners.erase(o);
  }
  // `p` is going away: every place it holds in the audiences too.
  void forget(Peer* p) {
    const auto m = members.find(p);
    if (m == members.end()) return;
    while (!m->second.joined.empty()) {
      const auto [r, owner] = m->second.joined.back();
      leave(p, *r, owner);
    }
    members.erase(m);
  }
};

Hub::Hub(const resources::Model& model, const lists::CursorCodec& cursors, auth::TokenService& tokens,
         auth::Revocations& revocations, events::EventLog& log, users::UserStore& users, Metrics& metrics,
         const Clock& clock, HubOptions options)
    : model_(model),
      cursors_(cursors),
      tokens_(tokens),
      revocations_(revocations),
      log_(log),
      users_(users),
      clock_(clock),
      options_(options),
      connections_(metrics.gauge("keel_realtime_connections", "Open realtime (WebSocket) connections.")),
      delivered_(metrics.counter("keel_realtime_events_delivered_total", "Events sent to realtime subscriptions.")
                     .series({})),
      closed_slow_(metrics.counter("keel_realtime_closed_slow_total",
                                   "Realtime connections closed (1013) for reading too slowly.")
                       .series({})),
      latency_(metrics
                   .histogram("keel_realtime_delivery_seconds",
                              "Time from a change to its event written to a realtime subscriber's socket.", {})
                   .series({})),
      registry_(std::make_unique<Registry>()) {}

Hub::~Hub() = default;

std::shared_ptr<http::Upgrade> Hub::connect() { return std::make_shared<Peer>(*this); }

void Hub::add(const std::shared_ptr<Peer>& peer) {
  std::lock_guard l(mutex_);
  registry_->members.emplace(peer.get(), Member{peer, {}});
  connections_.add(1);
  if (stopping_) asio::post(peer->executor, [peer] { peer->close(1001, "keel is shutting down"); });
}

std::int64_t Hub::join(Peer& peer, const resources::Resource& r, const std::string& owner) {
  // Under the lock follow() hands events out by: events it hands out after this reach `peer`.
  std::lock_guard l(mutex_);
  registry_->join(&peer, r, owner);
  return dispatched_.load();
}

void Hub::leave(Peer& peer, const resources::Resource& r, const std::string& owner) {
  std::lock_guard l(mutex_);
  registry_->leave(&peer, r, owner);
}

void Hub::rejoin(Peer& peer, const resources::Resource& r, const std::string* from, const std::string* to) {
  std::lock_guard l(mutex_);
  if (to) registry_->join(&peer, r, *to);
  if (from) registry_->leave(&peer, r, *from);
}

void Hub::watch(Peer& peer, std::string session_id, std::int64_t expires_at) {
  std::lock_guard l(mutex_);
  if (auto it = registry_->members.find(&peer); it != registry_->members.end()) {
    it->second.watch = Watch{std::move(session_id), expires_at, false};
  }
}

void Hub::remove(Peer* peer) {
  std::lock_guard l(mutex_);
  if (!registry_->members.contains(peer)) return;
  registry_->forget(peer);
  connections_.add(-1);
}

Task<void> Hub::start() { dispatched_ = co_await log_.head_seq(); }

Task<void> Hub::follow() {
  for (;;) {
    std::vector<events::Change> page;
    std::exception_ptr failure;
    try {
      page = co_await log_.changes(dispatched_.load(), kPage);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kValidation) throw;
      failure = std::current_exception();
    }
    if (failure) {
      // Trimmed past where delivery stood (a long stall): go on from the head; subscribers
      // reconnecting with since get RESYNC_REQUIRED.
      spdlog::warn("realtime: events after seq {} were trimmed before delivery", dispatched_.load());
      dispatched_ = co_await log_.head_seq();
      co_return;
    }
    std::vector<std::shared_ptr<const Delivery>> batch;
    batch.reserve(page.size());
    for (const events::Change& c : page) {
      if (const resources::Resource* r = model_.find(c.resource)) {
        batch.push_back(std::make_shared<const Delivery>(delivery_of(c, *r)));
      }
    }
    // Each connection gets one post per page with the events its subscriptions may concern, in
    // seq order: those that see the resource's every record, and those of the record's owner
    // (before and after the change).
    std::unordered_map<Peer*, Post> posts;
    {
      // The seq first, under the lock subscriptions join by: one that joins after this gets
      // every later event; one that joined before is in the audiences read here.
      std::lock_guard l(mutex_);
      if (!page.empty()) dispatched_ = page.back().seq;
      const auto to = [&](const Listeners& listeners, const std::shared_ptr<const Delivery>& d) {
        for (const auto& [p, n] : listeners) {
          Post& post = posts[p];
          if (!post.peer) post.peer = registry_->members.at(p).peer;
          if (post.events.empty() || post.events.back() != d) post.events.push_back(d);
        }
      };
      for (const auto& d : batch) {
        const auto a = registry_->audiences.find(d->resource);
        if (a == registry_->audiences.end()) continue;
        to(a->second.everyone, d);
        const std::string_view owner = owner_of(d->record);
        const std::string_view before = d->previous ? owner_of(*d->previous) : owner;
        const auto to_owner = [&](std::string_view o) {
          if (o.empty()) return;
          if (const auto it = a->second.owners.find(std::string(o)); it != a->second.owners.end()) to(it->second, d);
        };
        to_owner(owner);
        if (before != owner) to_owner(before);
      }
    }
    hand_out(posts);
    if (static_cast<std::int64_t>(page.size()) < kPage) co_return;
  }
}

void Hub::check_sessions() {
  const std::int64_t now = clock_.unix_seconds();
  const std::uint64_t revision = revocations_.revision();  // before the checks: a later one is seen next time
  std::lock_guard l(mutex_);
  const bool revocations = revision != registry_->revocations_seen;
  registry_->revocations_seen = revision;
  for (auto& [raw, m] : registry_->members) {
    Watch& w = m.watch;
    if (w.session_id.empty()) continue;
    const bool expiring = now >= w.expires_at && !w.told;
    const bool over = now >= w.expires_at + options_.token_grace.count();
    if (expiring || over || (revocations && revocations_.is_revoked(w.session_id))) {
      w.told = w.told || expiring;
      asio::post(m.peer->executor, [p = m.peer, now] { p->tick(now); });
    }
  }
}

void Hub::stop() {
  stopping_ = true;
  std::lock_guard l(mutex_);
  for (const auto& [raw, m] : registry_->members) {
    asio::post(m.peer->executor, [p = m.peer] { p->close(1001, "keel is shutting down"); });
  }
}

}  // namespace keel::realtime
