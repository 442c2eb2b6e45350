#include "app/app.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <string_view>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "auth/account_pages.hpp"
#include "auth/auth_middleware.hpp"
#include "auth/auth_routes.hpp"
#include "graphql/graphql_routes.hpp"
#include "graphql/schema_builder.hpp"
#include "events/amqp_url.hpp"
#include "events/event_relay.hpp"
#include "events/event_routes.hpp"
#include "mail/eml_writer.hpp"
#include "mail/smtp_sender.hpp"
#include "realtime/realtime_routes.hpp"
#include "resources/resource_routes.hpp"
#include "resources/resource_schema.hpp"
#include "resources/resources_file.hpp"
#include "users/user_routes.hpp"

#include "core/crypto.hpp"
#include "docs/docs_routes.hpp"
#include "core/ids.hpp"
#include "core/run_sync.hpp"
#include "http/middleware/client_address.hpp"
#include "http/middleware/cors.hpp"
#include "http/middleware/errors.hpp"
#include "http/middleware/security_headers.hpp"
#include "ops/ops_routes.hpp"
#include "openapi/openapi_document.hpp"
#include "storage/migrations/migrator.hpp"
#include "storage/open_database.hpp"

namespace keel::app {

std::unique_ptr<storage::Database> open_database(const Config& config, BlockingPool& pool, Metrics& metrics) {
  return storage::open_database(config.database_url,
                                {.pool_size = config.db_pool_size,
                                 .statement_timeout = config.db_statement_timeout,
                                 .sqlite_synchronous = config.sqlite_synchronous == "normal" ? storage::SqliteSynchronous::kNormal
                                                                                         : storage::SqliteSynchronous::kFull},
                                pool, metrics);
}

namespace {

// Revocations announced through Redis (API.md §12): "<revoked at, unix ms> <session id> ...".
constexpr const char* kRevocationChannel = "keel:revocations";
// New events became readable (API.md §12: realtime events reach every instance's subscribers).
constexpr const char* kEventsChannel = "keel:events";

std::string revocation_message(const std::vector<std::string>& session_ids, std::int64_t at_ms) {
  std::string out = std::to_string(at_ms);
  for (const auto& id : session_ids) {
    out += ' ';
    out += id;
  }
  return out;
}

// The session ids and time of a message from revocation_message; nothing when it is not one.
std::optional<std::pair<std::vector<std::string>, std::int64_t>> read_revocation(std::string_view text) {
  std::vector<std::string> ids;
  std::int64_t at = 0;
  const auto space = text.find(' ');
  const std::string_view head = text.substr(0, space);
  const auto [end, ec] = std::from_chars(head.data(), head.data() + head.size(), at);
  if (ec != std::errc() || end != head.data() + head.size() || space == std::string_view::npos) return std::nullopt;
  text.remove_prefix(space + 1);
  while (!text.empty()) {
    const auto next = text.find(' ');
    const std::string_view id = text.substr(0, next);
    if (!is_uuid(id)) return std::nullopt;
    ids.emplace_back(id);
    text.remove_prefix(next == std::string_view::npos ? text.size() : next + 1);
  }
  if (ids.empty()) return std::nullopt;
  return std::pair{std::move(ids), at};
}

std::size_t cores() { return std::max(1u, std::thread::hardware_concurrency()); }

// The refresh-token chain key: derived from the JWT secret, never the same bytes.
std::string refresh_key(const std::string& jwt_secret) { return hmac_sha256(jwt_secret, "keel refresh-token chain v1"); }

// The list-cursor signing key: derived the same way, under its own label.
std::string cursor_key(const std::string& jwt_secret) { return hmac_sha256(jwt_secret, "keel list cursor v1"); }

}  // namespace

std::filesystem::path data_folder(const Config& config) {
  if (const auto file = storage::database_file(config.database_url)) {
    const std::filesystem::path db(*file);
    if (db.has_parent_path()) return db.parent_path();
  }
  return "data";
}

std::string resolve_jwt_secret(const Config& config) {
  if (!config.jwt_secret.empty()) return config.jwt_secret;
  unsigned char bytes[48];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  const std::string fresh = to_hex(bytes, sizeof bytes);
  if (config.env == Environment::kTest) return fresh;

  // Development: one secret per data folder, so tokens survive restarts.
  const std::filesystem::path folder = data_folder(config);
  const std::filesystem::path file = folder / "jwt-secret";
  if (std::ifstream in(file); in) {
    std::string kept;
    std::getline(in, kept);
    if (kept.size() >= 32) return kept;
  }
  std::filesystem::create_directories(folder);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + file.string() + ": " + std::strerror(errno));
  const std::string line = fresh + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write " + file.string());
  spdlog::info("generated a JWT secret for development in {} (set JWT_SECRET in production)", file.string());
  return fresh;
}

// API.md §12: shared through Redis when there is one; in this process on SQLite, where no
// other instance writes; none on PostgreSQL without Redis (other instances may write).
std::unique_ptr<cache::ReadCache> make_read_cache(const Config& config, const storage::Database& db,
                                                  cache::RedisClient* redis, Metrics& metrics) {
  if (!config.cache) return nullptr;
  if (redis) return std::make_unique<cache::RedisReadCache>(*redis, metrics, std::chrono::minutes(10));
  if (db.dialect().one_instance()) return std::make_unique<cache::LocalReadCache>(metrics, config.cache_max_bytes);
  spdlog::info("cache: off (PostgreSQL without REDIS_URL: other instances may write)");
  return nullptr;
}

// SMTP_URL, or in development (none set) a folder of .eml files (API.md §11).
std::unique_ptr<mail::MailTransport> mail_transport(const Config& config) {
  if (!config.smtp_url.empty()) {
    auto smtp = std::make_unique<mail::SmtpSender>(config.smtp_url, config.mail_from);
    spdlog::info("mail: sending through {} from {}", smtp->where(), config.mail_from);
    return smtp;
  }
  const std::filesystem::path folder = data_folder(config) / "mail";
  if (config.env == Environment::kProduction) {
    spdlog::warn("mail: SMTP_URL is not set: account e-mail is only written as .eml files in {}, nobody receives it",
                 folder.string());
  } else {
    spdlog::info("mail: SMTP_URL is not set: each mail is written as an .eml file in {}", folder.string());
  }
  return std::make_unique<mail::EmlWriter>(folder);
}

// PUBLIC_URL, or this server as it listens: http://<HOST>:<port> (a wildcard HOST becomes the
// loopback address, which works on this machine at least).
std::string public_url(const Config& config, std::uint16_t port) {
  if (!config.public_url.empty()) return config.public_url;
  std::string host = config.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port);
}

resources::Declarations load_declarations(const Config& config) {
  if (!config.resources_file.empty()) return resources::load_resources_file(config.resources_file);
  if (std::filesystem::exists("resources.yaml")) {
    spdlog::info("resources: using ./resources.yaml (RESOURCES_FILE is not set)");
    return resources::load_resources_file("resources.yaml");
  }
  spdlog::info("resources: none declared (set RESOURCES_FILE to serve your own)");
  return {};
}

App::App(Config config, std::shared_ptr<spdlog::logger> access_logger, const Clock& clock)
    : config_(std::move(config)),
      pool_(config_.blocking_threads, config_.blocking_queue),
      cpu_pool_(cores(), 64 * cores()),
      db_(open_database(config_, pool_, metrics_)),
      events_(*db_, clock, metrics_, events::EventLogOptions{.retention = config_.events_retention}),
      relay_(config_.amqp_url.empty()
                 ? nullptr
                 : std::make_unique<events::EventRelay>(
                       events_, metrics_, events::AmqpPublisherOptions{.url = events::parse_amqp_url(config_.amqp_url)})),
      redis_(config_.redis_url.empty()
                 ? nullptr
                 : std::make_unique<cache::RedisClient>(
                       cache::RedisOptions{.endpoint = cache::parse_redis_url(config_.redis_url)})),
      jwt_secret_(resolve_jwt_secret(config_)),
      cursors_(cursor_key(jwt_secret_)),
      totals_({events_.version_statement(),
               [](const storage::Result& r) {
                 const auto [head, unnumbered] = events::EventLog::version_of(r);
                 return lists::DataVersion{head, unnumbered};
               }},
              metrics_),
      read_cache_(make_read_cache(config_, *db_, redis_.get(), metrics_)),
      declarations_(load_declarations(config_)),
      model_(declarations_, db_->dialect()),
      resource_store_(*db_, model_),
      list_indexes_(*db_, model_, metrics_,
                    resources::ListIndexOptions{.per_resource = config_.auto_indexes,
                                                .build_after = config_.auto_index_after}),
      resources_(model_, resource_store_, cursors_, events_, &totals_, &list_indexes_, read_cache_.get()),
      user_store_(*db_),
      session_store_(*db_),
      passwords_(cpu_pool_, config_.bcrypt_cost),
      tokens_(jwt_secret_, config_.jwt_issuer, config_.access_token_ttl, clock),
      revocations_(session_store_, config_.access_token_ttl, clock),
      shared_counters_(redis_ ? std::make_unique<cache::SharedCounters>(*redis_, local_counters_) : nullptr),
      counters_(shared_counters_ ? *shared_counters_ : static_cast<Counters&>(local_counters_)),
      account_tokens_(*db_),
      mail_outbox_(*db_),
      account_mail_(user_store_, revocations_, passwords_, account_tokens_, mail_outbox_,
                    mail::MailTemplates::load(config_.mail_templates), events_, clock,
                    auth::AccountMailOptions{.verify_ttl = config_.verify_token_ttl,
                                             .reset_ttl = config_.reset_token_ttl,
                                             .throttle = config_.mail_throttle}),
      mail_courier_(mail_outbox_, mail_transport(config_),
                    [this](mail::OutboxItem item) { return account_mail_.compose(std::move(item)); }, metrics_,
                    mail::MailCourierOptions{.from = config_.mail_from, .retry_max = config_.mail_retry_max}),
      auth_(user_store_, session_store_, passwords_, tokens_, revocations_, counters_,
            auth::AuthOptions{.rate_limit_per_minute = config_.rate_limit_auth,
                              .login_max_failures = config_.login_max_failures,
                              .refresh_ttl = config_.refresh_token_ttl,
                              .reuse_interval = config_.refresh_reuse_interval,
                              .refresh_key = refresh_key(jwt_secret_),
                              .require_verified_email = config_.require_verified_email},
            clock, events_, account_mail_),
      users_(user_store_, revocations_, passwords_, cursors_, events_,
             // A user's deletion takes their records with it: resources record those events.
             users::OwnerDeletion{
                 [this](storage::Transaction& tx, std::string user_id, std::optional<std::string> actor) {
                   return resources_.record_owner_deletion(tx, std::move(user_id), std::move(actor));
                 },
                 [this] { return resources_.owner_deleted(); }},
             &totals_,
             // A new address gets its verification mail, in the transaction of the change.
             [this](storage::Transaction& tx, const users::User& user) {
               return account_mail_.queue_verification(tx, user);
             }),
      realtime_(model_, cursors_, tokens_, revocations_, events_, user_store_, metrics_, clock,
                realtime::HubOptions{.max_queued_bytes = config_.realtime_queue_bytes}),
      graphql_schema_(graphql::build_schema(model_)),
      graphql_(graphql_schema_, model_, resources_, users_, cursors_),
      pipeline_(router_),
      http_metrics_(metrics_) {
  // Every family /metrics promises (API.md §7) exists from the start, at zero.
  cache::CacheMetrics{metrics_};
  rate_limited_ = &metrics_.counter("keel_rate_limit_rejections_total", "Requests refused with 429 by a rate limit.")
                       .series({});

  if (access_logger) access_log_ = std::make_unique<http::AccessLog>(std::move(access_logger), config_.log_format == LogFormat::kJson);

  // Outermost first: the client address is known before anything logs or limits it; headers
  // land on every answer, errors are rendered inside them.
  if (!config_.trusted_proxies.empty()) {
    pipeline_.use(http::client_address_middleware(http::AddressSet(config_.trusted_proxies)));
  }
  pipeline_.use(http::security_headers_middleware);
  if (!config_.cors_origins.empty()) pipeline_.use(http::cors_middleware(config_.cors_origins));
  pipeline_.use(http::error_middleware);
  pipeline_.use(auth::auth_middleware(tokens_, revocations_));

  // Each feature adds its routes to the router and describes them in the OpenAPI registry.
  openapi::Routes routes(router_, api_docs_);
  std::vector<ops::OptionalCheck> optional_checks;
  if (relay_) optional_checks.push_back({"broker", [relay = relay_.get()] { return relay->broker_up(); }});
  if (redis_) optional_checks.push_back({"redis", [redis = redis_.get()] { return redis->up(); }});
  ops::add_routes(routes, *db_, metrics_, config_.metrics_token, std::move(optional_checks));
  auth::add_routes(routes, auth_, account_mail_);
  users::add_routes(routes, users_, model_.roles());
  events::add_routes(routes, events_);
  resources::add_routes(routes, resources_);
  realtime::add_routes(routes, realtime_, config_.cors_origins);
  graphql::add_routes(routes, graphql_);
  docs::add_routes(router_);
  auth::add_account_pages(router_);  // the pages the mail links open (API.md §11)
  openapi::add_routes(routes, openapi_);
  // Last, so the document describes every route above (its own included).
  openapi_ = boost::json::serialize(openapi::build_document(api_docs_));
}

App::~App() { stop(); }

void App::start() {
  const auto applied = run_sync([&] { return storage::apply_migrations(*db_, storage::core_migrations()); });
  if (!applied.empty()) spdlog::info("database: {} migration(s) applied", applied.size());
  // Additive changes of the resources file apply here; destructive ones stop the start.
  run_sync([&] { return resources::migrate_resources(*db_, declarations_, false); });
  if (!config_.admin_email.empty()) {
    const bool created = run_sync([&] {
      return users_.ensure_admin(config_.admin_email, config_.admin_password, "Admin");
    });
    if (created) spdlog::info("created the admin account {} from ADMIN_EMAIL", config_.admin_email);
  }
  // Revocations made before this start (or by other instances) are honoured from the first
  // request, and polled twice a second after that.
  run_sync([&] { return revocations_.sync(); });
  // Automatic list indexes built before this start (or by other instances) serve from the start.
  run_sync([&] { return list_indexes_.load(); });
  // Records of revocations whose tokens have all expired (each instance; deleting twice is
  // harmless): at start, then every 10 minutes.
  run_sync([&] { return revocations_.forget_expired(); });
  const Background::Waker revocation_sync =
      background_.every("revocation sync", std::chrono::milliseconds(500), [this] { return revocations_.sync(); });
  // Realtime: new events go to the subscribers as soon as they are readable here (woken like
  // the relay) or, with Redis, announced by another instance (keel:events), and every 200 ms
  // whatever else other instances wrote; sessions are checked every 100 ms (a revoked one
  // closes its sockets, an expired token is told).
  run_sync([&] { return realtime_.start(); });
  const Background::Waker realtime =
      background_.every("realtime delivery", std::chrono::milliseconds(200), [this] { return realtime_.follow(); });
  background_.every("realtime sessions", std::chrono::milliseconds(100), [this]() -> Task<void> {
    realtime_.check_sessions();
    co_return;
  });
  revocations_.on_local([this, redis = redis_.get()](const std::vector<std::string>& ids, std::int64_t at) {
    if (redis) redis->publish(kRevocationChannel, revocation_message(ids, at));
    realtime_.check_sessions();  // this instance's sockets of those sessions close now
  });
  // With Redis, a revocation reaches the other instances at once (pub/sub); the database poll
  // above stays the truth, and runs again each time the subscription is (re)made, for whatever
  // was announced while it was away.
  if (redis_) {
    cache::RedisOptions subscriber{.endpoint = cache::parse_redis_url(config_.redis_url)};
    subscriber.subscribe = {kRevocationChannel, kEventsChannel};
    subscriber.on_message = [this, realtime](const std::string& channel, const std::string& payload) {
      if (channel == kEventsChannel) {
        realtime.wake();
      } else if (auto revocation = read_revocation(payload)) {
        revocations_.apply_remote(revocation->first, revocation->second);
        realtime_.check_sessions();
      }
    };
    subscriber.on_subscribed = [revocation_sync, realtime] {
      revocation_sync.wake();
      realtime.wake();
    };
    redis_subscriber_ = std::make_unique<cache::RedisClient>(std::move(subscriber));
  }
  background_.every("revocation clean-up", std::chrono::minutes(10), [this] { return revocations_.forget_expired(); });
  // The event log: where commits may land out of order (PostgreSQL), the sequencer numbers the
  // committed events right after each local commit that wrote some (woken, coalesced) and every
  // 100 ms for those other instances wrote; rows left unnumbered by a crash are numbered now.
  if (events_.needs_sequencer()) {
    run_sync([&] { return events_.sequence(); });
    const Background::Waker sequencer = background_.every("event sequencer", std::chrono::milliseconds(100),
                                                          [this]() -> Task<void> { co_await events_.sequence(); });
    events_.on_committed([sequencer] { sequencer.wake(); });
  }
  // RabbitMQ: the relay publishes what became readable, woken by it, and looks every 200 ms
  // (events other instances wrote; the broker's state while idle). Its own thread does the
  // blocking librabbitmq calls.
  std::optional<Background::Waker> relay;
  if (relay_) {
    relay = background_.every("event relay", std::chrono::milliseconds(200), [this] { return relay_->run(); });
  }
  events_.on_readable([relay, realtime, redis = redis_.get()] {
    if (relay) relay->wake();
    realtime.wake();
    if (redis) redis->publish(kEventsChannel, "");  // the other instances' subscribers, at once
  });
  // Retention: every instance trims (deleting twice is harmless), in batches; with a relay,
  // only what the broker confirmed.
  // (The bound is worked out before the co_await: GCC 12 evaluated both arms of a ?: inside a
  // co_await's operand, and so read relay_->published() through a null relay_.)
  background_.every("event retention", std::chrono::seconds(10), [this]() -> Task<void> {
    std::optional<std::int64_t> bound;
    if (relay_) bound = relay_->published();
    co_await events_.trim(bound);
  });
  // Indexes for lists that sort their whole match set: built one at a time, off the I/O threads.
  const Background::Waker index_builder =
      background_.every("list indexes", std::chrono::seconds(5), [this] { return list_indexes_.build_queued(); });
  list_indexes_.on_queued([index_builder] { index_builder.wake(); });
  background_.every("rate-limit pruning", std::chrono::seconds(60), [this]() -> Task<void> {
    local_counters_.prune();
    co_return;
  });

  http::ServerOptions options;
  options.host = config_.host;
  options.port = config_.port;
  options.threads = config_.threads;
  options.max_body_bytes = config_.max_body_bytes;
  options.max_connections = config_.max_connections;
  options.max_connections_per_client = config_.max_connections_per_client;
  options.header_timeout = config_.header_timeout;
  options.body_timeout = config_.body_timeout;
  options.idle_timeout = config_.idle_timeout;
  options.shutdown_timeout = config_.shutdown_timeout;

  http::ExchangeObserver observer = [this](const http::Exchange& ex) {
    http_metrics_.record(ex);
    if (ex.status == 429) rate_limited_->inc();
    if (access_log_) access_log_->record(ex);
  };
  server_ = std::make_unique<http::Server>(options, pipeline_, std::move(observer), http_metrics_.gauges());
  server_->start();

  // Account e-mail: links point at PUBLIC_URL (or here, now that the port is known). The courier
  // sends what is queued at once (woken by each commit that queues mail), and looks every 2 s
  // (mail other instances queued, rows whose back-off ended): one statement when idle.
  account_mail_.set_public_url(public_url(config_, server_->port()));
  const Background::Waker courier =
      background_.every("mail courier", std::chrono::seconds(2), [this] { return mail_courier_.run(); });
  mail_outbox_.on_queued([courier] { courier.wake(); });
  courier.wake();  // mail that waited for this start
}

void App::stop() {
  realtime_.stop();  // sockets closed with 1001 while the server still runs their loops
  if (server_) server_->stop();
  background_.stop();
  if (relay_) relay_->stop();  // after the jobs: no relay step runs now
  mail_courier_.stop();
  if (redis_subscriber_) redis_subscriber_->stop();
  if (redis_) redis_->stop();  // after the server: no request awaits a command now
  // Writes still under way complete now, while the loops awaiting them (server, background)
  // are stopped but alive; finishing later would post to destroyed loops.
  if (db_) db_->stop();
  cpu_pool_.stop();
  pool_.stop();
}

std::uint16_t App::port() const noexcept { return server_ ? server_->port() : 0; }

}  // namespace keel::app
