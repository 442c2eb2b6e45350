#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include "core/run_sync.hpp"
#include "http/middleware/cors.hpp"
#include "http/middleware/errors.hpp"
#include "http/middleware/security_headers.hpp"
#include "ops/ops_routes.hpp"
#include "storage/migrations/migrator.hpp"
#include "storage/postgres/postgres_database.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace keel::app {

std::unique_ptr<storage::Database> open_database(const Config& config, BlockingPool& pool, Metrics& metrics) {
  const std::string& url = config.database_url;
  if (url.starts_with("sqlite://")) {
    storage::SqliteOptions options;
    options.path = storage::sqlite_path_from_url(url);
    return std::make_unique<storage::SqliteDatabase>(options, pool, metrics);
  }
  storage::PostgresOptions options;
  options.url = url;
  options.pool_size = config.db_pool_size;
  return std::make_unique<storage::PostgresDatabase>(options, metrics);
}

App::App(Config config, std::shared_ptr<spdlog::logger> access_logger)
    : config_(std::move(config)),
      pool_(config_.blocking_threads, config_.blocking_queue),
      db_(open_database(config_, pool_, metrics_)),
      pipeline_(router_),
      http_metrics_(metrics_) {
  // Every family /metrics promises (API.md §7) exists from the start, at zero.
  metrics_.counter("keel_cache_hits_total", "Cache lookups answered from the cache.");
  metrics_.counter("keel_cache_misses_total", "Cache lookups that went to the database.");
  metrics_.counter("keel_rate_limit_rejections_total", "Requests refused with 429 by a rate limit.");

  if (access_logger) access_log_ = std::make_unique<http::AccessLog>(std::move(access_logger), config_.log_format == LogFormat::kJson);

  // Outermost first: headers land on every answer, errors are rendered inside them.
  pipeline_.use(http::security_headers_middleware);
  if (!config_.cors_origins.empty()) pipeline_.use(http::cors_middleware(config_.cors_origins));
  pipeline_.use(http::error_middleware);

  ops::add_routes(router_, *db_, metrics_);
}

App::~App() { stop(); }

void App::start() {
  const auto applied = run_sync([&] { return storage::apply_migrations(*db_, storage::core_migrations()); });
  if (!applied.empty()) spdlog::info("database: {} migration(s) applied", applied.size());

  http::ServerOptions options;
  options.host = config_.host;
  options.port = config_.port;
  options.threads = config_.threads;
  options.max_body_bytes = config_.max_body_bytes;
  options.max_connections = config_.max_connections;
  options.header_timeout = config_.header_timeout;
  options.body_timeout = config_.body_timeout;
  options.idle_timeout = config_.idle_timeout;
  options.shutdown_timeout = config_.shutdown_timeout;

  http::ExchangeObserver observer = [this](const http::Exchange& ex) {
    http_metrics_.record(ex);
    if (access_log_) access_log_->record(ex);
  };
  server_ = std::make_unique<http::Server>(options, pipeline_, std::move(observer), http_metrics_.gauges());
  server_->start();
}

void App::stop() {
  if (server_) server_->stop();
  pool_.stop();
}

std::uint16_t App::port() const noexcept { return server_ ? server_->port() : 0; }

}  // namespace keel::app
