#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace keel::app {

enum class Environment { kDevelopment, kProduction, kTest };
enum class LogFormat { kText, kJson };

/// A configuration value keel cannot start with; names the variable.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string variable, const std::string& message)
      : std::runtime_error(variable + ": " + message), variable_(std::move(variable)) {}
  const std::string& variable() const noexcept { return variable_; }

 private:
  std::string variable_;
};

/// Everything keel reads from its environment (API.md §8), validated once at start.
struct Config {
  Environment env = Environment::kDevelopment;
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;
  std::string database_url = "sqlite://./data/keel.db";
  std::string resources_file;
  std::string jwt_secret;
  std::string jwt_issuer = "keel";
  std::chrono::seconds access_token_ttl{900};
  std::chrono::seconds refresh_token_ttl{30 * 24 * 3600};
  int bcrypt_cost = 12;
  std::string redis_url;
  std::string amqp_url;
  std::string log_level = "info";
  LogFormat log_format = LogFormat::kText;
  std::vector<std::string> cors_origins;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_connections = 10000;
  int rate_limit_auth = 60;
  int login_max_failures = 10;
  std::chrono::seconds refresh_reuse_interval{10};
  std::chrono::seconds events_retention{86400};  // EVENTS_RETENTION
  std::size_t threads = 1;
  std::string admin_email;
  std::string admin_password;
  std::vector<std::string> trusted_proxies;  // addresses or CIDRs, checked at load
  std::string sqlite_synchronous = "full";   // SQLITE_SYNCHRONOUS: full or normal
  std::string metrics_token;                 // when set, /metrics needs it as a Bearer token
  // Account e-mail (API.md §11).
  std::string smtp_url;                       // empty: each mail is an .eml file under the data folder
  std::string mail_from = "keel <keel@localhost>";
  std::string public_url;                     // empty: http://<HOST>:<bound port>
  std::chrono::seconds verify_token_ttl{86400};
  std::chrono::seconds reset_token_ttl{3600};
  std::chrono::seconds mail_throttle{60};     // 0: off
  bool require_verified_email = false;

  // Beyond API.md §8 (documented in docs/configuration.md).
  std::size_t blocking_threads = 4;
  std::size_t blocking_queue = 4096;
  std::size_t db_pool_size = 16;
  std::chrono::milliseconds db_statement_timeout{30'000};
  std::size_t auto_indexes = 4;                      // automatic list indexes per resource; 0: none
  std::chrono::milliseconds auto_index_after{1'000};  // database time a list shape spends unserved first
  bool cache = true;                                  // CACHE: the read cache (API.md §12)
  std::size_t cache_max_bytes = std::size_t{64} << 20;  // CACHE_MAX_MB: the in-process read cache's memory
  std::size_t max_connections_per_client = 1024;  // 0: no per-address limit
  std::string mail_templates;                        // MAIL_TEMPLATES: a folder overriding the shipped templates
  std::chrono::milliseconds mail_retry_max{300'000};  // MAIL_RETRY_MAX: the courier's back-off cap
  std::size_t realtime_queue_bytes = std::size_t{4} << 20;  // REALTIME_QUEUE_KB: unsent per socket, then 1013
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_timeout{10'000};
};

/// One documented setting: its variable, default and meaning (for --help and the docs).
struct ConfigOption {
  const char* variable;
  const char* default_text;
  const char* help;
};

/// Every setting, in the order --help lists them.
const std::vector<ConfigOption>& config_options();

/// Builds the Config from environment variables, overridden by `--kebab-case value` or
/// `--kebab-case=value` flags. Throws ConfigError naming the variable for a bad or unknown
/// value (and for an unknown flag).
Config load_config(const std::map<std::string, std::string>& environment, const std::vector<std::string>& flags);

/// The process environment as a map.
std::map<std::string, std::string> process_environment();

/// "PORT" -> "--port", "MAX_BODY_BYTES" -> "--max-body-bytes".
std::string flag_name(std::string_view variable);

}  // namespace keel::app
