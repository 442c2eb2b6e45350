#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "app/config.hpp"
#include "auth/account_mail.hpp"
#include "auth/account_tokens.hpp"
#include "auth/auth_service.hpp"
#include "cache/read_cache.hpp"
#include "realtime/realtime_hub.hpp"
#include "cache/redis_client.hpp"
#include "cache/shared_counters.hpp"
#include "core/counters.hpp"
#include "auth/revocations.hpp"
#include "auth/session_store.hpp"
#include "auth/token_service.hpp"
#include "core/background.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/password_hasher.hpp"
#include "events/event_log.hpp"
#include "graphql/executor.hpp"
#include "graphql/schema.hpp"
#include "http/access_log.hpp"
#include "http/http_metrics.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "lists/count_cache.hpp"
#include "mail/mail_courier.hpp"
#include "mail/mail_outbox.hpp"
#include "lists/list_query.hpp"
#include "openapi/registry.hpp"
#include "resources/declarations.hpp"
#include "resources/resource_model.hpp"
#include "resources/resource_service.hpp"
#include "resources/resource_store.hpp"
#include "storage/database.hpp"
#include "users/user_service.hpp"
#include "users/user_store.hpp"

namespace spdlog {
class logger;
}

namespace keel::events {
class EventRelay;
}

namespace keel::app {

/// Opens the database DATABASE_URL names (storage::open_database, which throws when it can't).
std::unique_ptr<storage::Database> open_database(const Config& config, BlockingPool& pool, Metrics& metrics);

/// JWT_SECRET, or in development one generated on first start and kept (mode 0600) in the
/// data folder; in tests an ephemeral one. Throws std::runtime_error if the file can't be made.
std::string resolve_jwt_secret(const Config& config);

/// The data folder: the SQLite file's folder, else ./data (the JWT secret of development, and
/// mail as .eml files without SMTP_URL, are kept there).
std::filesystem::path data_folder(const Config& config);

/// The resources file RESOURCES_FILE names; without one, ./resources.yaml when it exists, else
/// none. Throws resources::ResourcesFileError naming the place of a mistake.
resources::Declarations load_declarations(const Config& config);

/// Everything keel is, built in dependency order: metrics, the blocking pool, the
/// database, routes, middleware and the HTTP server.
class App {
 public:
  /// Builds the components; `access_logger` may be null (no access log); token and session
  /// rules read `clock` (tests pass one they move). Throws ConfigError or std::runtime_error
  /// when a component can't be built (e.g. the database can't open).
  App(Config config, std::shared_ptr<spdlog::logger> access_logger, const Clock& clock = Clock::system());
  ~App();

  /// Applies pending migrations, then binds and starts serving. Throws on failure.
  void start();
  /// Graceful stop (see http::Server::stop), then background jobs, the writes under way and the
  /// blocking pools finish, in that order.
  void stop();
  /// The port bound by start().
  std::uint16_t port() const noexcept;

  /// For tests and later features: routes may be added before start().
  http::Router& router() noexcept { return router_; }
  storage::Database& database() noexcept { return *db_; }
  users::UserService& users() noexcept { return users_; }
  /// The event log (API.md §9): tests run its sequencer and trim steps themselves.
  events::EventLog& events() noexcept { return events_; }
  const resources::Model& model() const noexcept { return model_; }
  /// The OpenAPI 3.1 document of every route, as served at /api/openapi.json.
  const std::string& openapi() const noexcept { return openapi_; }
  Metrics& metrics() noexcept { return metrics_; }
  const Config& config() const noexcept { return config_; }

 private:
  Config config_;
  Metrics metrics_;
  BlockingPool pool_;
  BlockingPool cpu_pool_;  // bcrypt: kept apart so a login storm never queues database work
  std::unique_ptr<storage::Database> db_;
  events::EventLog events_;
  std::unique_ptr<events::EventRelay> relay_;  // with AMQP_URL
  std::unique_ptr<cache::RedisClient> redis_;             // with REDIS_URL
  std::unique_ptr<cache::RedisClient> redis_subscriber_;  // with REDIS_URL: revocations from other instances
  std::string jwt_secret_;
  lists::CursorCodec cursors_;
  lists::CountCache totals_;  // list totals, counted again only after a change
  std::unique_ptr<cache::ReadCache> read_cache_;  // CACHE=on, where §12 allows it
  resources::Declarations declarations_;
  resources::Model model_;
  resources::ResourceStore resource_store_;
  resources::ListIndexes list_indexes_;  // indexes built for lists no declared index serves
  resources::ResourceService resources_;
  users::UserStore user_store_;
  auth::SessionStore session_store_;
  PasswordHasher passwords_;
  auth::TokenService tokens_;
  auth::Revocations revocations_;
  MemoryCounters local_counters_;            // rate limits counted here (without Redis, or while it is down)
  std::unique_ptr<Counters> shared_counters_;  // with REDIS_URL: counted across instances
  Counters& counters_;
  auth::AccountTokens account_tokens_;
  mail::MailOutbox mail_outbox_;
  auth::AccountMail account_mail_;
  mail::MailCourier mail_courier_;  // sends the outbox through SMTP_URL (or into .eml files)
  auth::AuthService auth_;
  users::UserService users_;
  realtime::Hub realtime_;
  graphql::Schema graphql_schema_;  // from model_ (API.md §13)
  graphql::Executor graphql_;
  // After what its jobs use: destroying it destroys a job parked mid-query, which must still
  // find the database alive.
  Background background_;
  openapi::Registry api_docs_;
  std::string openapi_;  // before the router: its route serves this string
  http::Router router_;
  http::Pipeline pipeline_;
  http::HttpMetrics http_metrics_;
  std::unique_ptr<http::AccessLog> access_log_;
  CounterCell* rate_limited_ = nullptr;
  std::unique_ptr<http::Server> server_;
};

}  // namespace keel::app
