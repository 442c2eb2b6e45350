#include "realtime/realtime_hub.hpp"

#include <deque>
#include <exception>
#include <map>
#include <optional>
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
};

// A change of `r` as subscriptions look at it: parsed once.
Delivery delivery_of(const events::Change& c, const resources::Resource& r) {
  Delivery d;
  d.seq = c.seq;
  d.resource = &r;
  d.action = c.type.substr(c.type.rfind('.') + 1);
  d.data = c.data;
  d.record = json::parse(c.data).as_object();
  if (c.previous) d.previous = json::parse(*c.previous).as_object();
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
  };

  asio::awaitable<void> writer(http::WebSocket& ws);
  asio::awaitable<void> handle(std::string_view text);
  asio::awaitable<void> authenticate(const json::object& m);
  asio::awaitable<void> subscribe(const json::object& m);
  void unsubscribe(const json::object& m);

  void deliver(const std::string& id, Subscription& s, const Delivery& d);
  void send(std::string message);
  void send_error(const std::optional<std::string>& id, const Error& e);
  Reach reach_of(const resources::Resource& r) const;

  Hub& hub_;
  std::optional<Principal> principal_;
  std::int64_t expires_at_ = 0;
  bool expiry_told_ = false;
  bool holding_ = false;  // token expired: deliveries wait for a new auth
  std::vector<std::shared_ptr<const Delivery>> held_;
  std::map<std::string, Subscription> subscriptions_;
  std::deque<std::string> out_;
  std::size_t out_bytes_ = 0;
  std::optional<std::pair<std::uint16_t, std::string>> closing_;
  bool ended_ = false;        // the reader is done: the writer stops
  bool writer_done_ = false;  // the writer is done: run() need not wait for it
  std::unique_ptr<asio::steady_timer> wake_;           // the writer's
  std::unique_ptr<asio::steady_timer> writer_ended_;   // run()'s wait for the writer
};

// --- the connection ------------------------------------------------------------------------

asio::awaitable<void> Peer::run(http::WebSocket& ws) {
  executor = co_await asio::this_coro::executor;
  wake_ = std::make_unique<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  writer_ended_ = std::make_unique<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  auto self = shared_from_this();
  hub_.add(self);
  asio::co_spawn(executor, writer(ws), asio::detached);

  beast::flat_buffer buffer;
  while (!closing_) {
    auto [ec, n] = co_await ws.async_read(buffer, kTuple);
    if (ec) break;  // closed by the client, too big (Beast closes with 1009), or timed out
    const std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    co_await handle(text);
  }
  ended_ = true;
  wake_->cancel();
  if (!writer_done_) co_await writer_ended_->async_wait(kTuple);
  hub_.remove(this);
}

asio::awaitable<void> Peer::writer(http::WebSocket& ws) {
  ws.text(true);
  while (!ended_) {
    if (closing_) {
      websocket::close_reason reason;
      reason.code = closing_->first;
      reason.reason = closing_->second;
      co_await ws.async_close(reason, kTuple);
      break;
    }
    if (out_.empty()) {
      wake_->expires_at(asio::steady_timer::time_point::max());
      co_await wake_->async_wait(kTuple);
      continue;
    }
    std::string message = std::move(out_.front());
    out_.pop_front();
    out_bytes_ -= message.size();
    auto [ec, n] = co_await ws.async_write(asio::buffer(message), kTuple);
    if (ec) break;
  }
  // The reader may be parked in a read: closing the stream (above) or a failed write ends it.
  if (!ended_) {
    beast::error_code ignored;
    ws.next_layer().cancel(ignored);
  }
  writer_done_ = true;
  writer_ended_->cancel();
}

void Peer::send(std::string message) {
  if (closing_) return;
  if (out_bytes_ + message.size() > hub_.options_.max_queued_bytes) {
    hub_.closed_slow_.inc();
    out_.clear();
    out_bytes_ = 0;
    close(1013, "too slow to keep up: reconnect with since");
    return;
  }
  out_bytes_ += message.size();
  out_.push_back(std::move(message));
  if (wake_) wake_->cancel();
}

void Peer::close(std::uint16_t code, std::string reason) {
  if (closing_) return;
  closing_.emplace(code, std::move(reason));
  if (wake_) wake_->cancel();
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

  // Live from here: every event handed out after this read is delivered (Hub::follow stores
  // the seq before it posts the event). With `since`, from the log's head instead, so what was
  // acknowledged before this subscribe is replayed before `subscribed` even when delivery lags
  // behind the log (where a sequencer numbers commits, it runs first); later events handed out
  // up to that head are the replay's, not delivered twice.
  std::int64_t from = hub_.dispatched_.load();
  if (since) {
    co_await hub_.log_.sequence();
    from = std::max(from, co_await hub_.log_.head_seq());
  }
  Subscription s{r, std::move(q.filters), from, since.has_value(), {}};
  const std::int64_t live_from = s.from;
  subscriptions_.emplace(id, std::move(s));
  if (since && *since < live_from) {
    // The replay: events after `since` up to where live delivery starts, as this caller may
    // see them now; live ones wait meanwhile.
    std::int64_t at = *since;
    std::exception_ptr failure;
    try {
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
      subscriptions_.erase(id);
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
    for (const auto& d : waiting) deliver(id, it->second, *d);
  }
}

void Peer::unsubscribe(const json::object& m) {
  const auto* id = m.if_contains("id");
  if (!id || !id->is_string() || !subscriptions_.erase(std::string(id->get_string()))) {
    throw Error::validation({{"id", "is not a subscription of this connection"}});
  }
  send(R"({"type":"unsubscribed","id":)" + json::serialize(*id) + "}");
}

// --- delivery -------------------------------------------------------------------------------

Reach Peer::reach_of(const resources::Resource& r) const {
  const Reach list = resources::reach_of(r.decl.access.at(resources::Operation::kList), principal_);
  const Reach read = resources::reach_of(r.decl.access.at(resources::Operation::kRead), principal_);
  return std::min(list, read);
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
  send(std::move(message));
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
                       .series({})) {}

Hub::~Hub() = default;

std::shared_ptr<http::Upgrade> Hub::connect() { return std::make_shared<Peer>(*this); }

void Hub::add(const std::shared_ptr<Peer>& peer) {
  std::lock_guard l(mutex_);
  peers_.insert(peer);
  connections_.add(1);
  if (stopping_) asio::post(peer->executor, [peer] { peer->close(1001, "keel is shutting down"); });
}

void Hub::remove(Peer* peer) {
  std::lock_guard l(mutex_);
  for (auto it = peers_.begin(); it != peers_.end(); ++it) {
    if (it->get() == peer) {
      peers_.erase(it);
      connections_.add(-1);
      return;
    }
  }
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
    // One post per connection per page, not per event: with many subscribers, posting each
    // event to each connection was most of the I/O thread's work.
    auto batch = std::make_shared<std::vector<std::shared_ptr<const Delivery>>>();
    for (const events::Change& c : page) {
      if (const resources::Resource* r = model_.find(c.resource)) {
        batch->push_back(std::make_shared<const Delivery>(delivery_of(c, *r)));
      }
    }
    std::vector<std::shared_ptr<Peer>> peers;
    {
      // The seq first, under the lock connections join by: a subscription that reads it after
      // this gets every later event posted to its connection; one that read it before is
      // registered before this page reaches its connection.
      std::lock_guard l(mutex_);
      if (!page.empty()) dispatched_ = page.back().seq;
      if (!batch->empty()) peers.assign(peers_.begin(), peers_.end());
    }
    for (const auto& p : peers) {
      asio::post(p->executor, [p, batch] {
        for (const auto& d : *batch) p->on_change(d);
      });
    }
    if (static_cast<std::int64_t>(page.size()) < kPage) co_return;
  }
}

void Hub::check_sessions() {
  const std::int64_t now = clock_.unix_seconds();
  std::lock_guard l(mutex_);
  for (const auto& p : peers_) asio::post(p->executor, [p, now] { p->tick(now); });
}

void Hub::stop() {
  stopping_ = true;
  std::lock_guard l(mutex_);
  for (const auto& p : peers_) asio::post(p->executor, [p] { p->close(1001, "keel is shutting down"); });
}

}  // namespace keel::realtime
