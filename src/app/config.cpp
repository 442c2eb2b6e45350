#include "app/config.hpp"

#include "core/text_rules.hpp"
#include "cache/redis_url.hpp"
#include "events/amqp_url.hpp"
#include "http/address_set.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <thread>

#include <fmt/format.h>

extern char** environ;

namespace keel::app {
namespace {

using Setter = std::function<void(Config&, const std::string&)>;

struct OptionSpec {
  ConfigOption doc;
  Setter set;
};

std::int64_t parse_int(const std::string& var, const std::string& text, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw ConfigError(var, fmt::format("'{}' is not a whole number", text));
  }
  if (v < min || v > max) throw ConfigError(var, fmt::format("{} is out of range {}..{}", v, min, max));
  return v;
}

std::chrono::milliseconds parse_seconds(const std::string& var, const std::string& text, double min, double max) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v)) {
    throw ConfigError(var, fmt::format("'{}' is not a number of seconds", text));
  }
  if (v < min || v > max) throw ConfigError(var, fmt::format("{} is out of range {}..{} seconds", v, min, max));
  return std::chrono::milliseconds(static_cast<std::int64_t>(v * 1000));
}

std::string one_of(const std::string& var, const std::string& text, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (text == a) return text;
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw ConfigError(var, fmt::format("'{}' is not one of: {}", text, list));
}

void require_scheme(const std::string& var, const std::string& url, std::initializer_list<const char*> schemes) {
  for (const char* s : schemes) {
    const std::string prefix = std::string(s) + "://";
    if (url.starts_with(prefix) && url.size() > prefix.size()) return;
  }
  std::string list;
  for (const char* s : schemes) list += (list.empty() ? "" : " or ") + std::string(s) + "://...";
  throw ConfigError(var, fmt::format("expected {}", list));
}

// The address of "Name <address>" or of a bare address.
std::string mail_address_of(const std::string& mailbox) {
  const auto open = mailbox.rfind('<');
  const auto close = mailbox.rfind('>');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::string(trim(mailbox));
  return mailbox.substr(open + 1, close - open - 1);
}

std::vector<std::string> parse_origins(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto comma = text.find(',', pos);
    const std::string item(trim(std::string_view(text).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos)));
    if (!item.empty()) {
      const bool ok = item == "*" || ((item.starts_with("http://") || item.starts_with("https://")) &&
                                      item.back() != '/' && item.find(' ') == std::string::npos);
      if (!ok) throw ConfigError("CORS_ORIGINS", fmt::format("'{}' is not an origin like https://app.example.com or *", item));
      out.push_back(item);
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

// Each item must parse as an address or a CIDR (the http layer matches them per request).
std::vector<std::string> parse_trusted_proxies(const std::string& text) {
  std::vector<std::string> out;
  for (std::string_view rest = text; !rest.empty();) {
    const auto comma = rest.find(',');
    const std::string item(trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    if (!http::AddressSet::valid_entry(item)) {
      throw ConfigError("TRUSTED_PROXIES", fmt::format("'{}' is not an IP address or CIDR like 10.0.0.0/8", item));
    }
    out.push_back(item);
  }
  return out;
}

std::size_t cores() { return std::max(1u, std::thread::hardware_concurrency()); }

const std::vector<OptionSpec>& specs() {
  static const std::vector<OptionSpec> kSpecs = {
      {{"APP_ENV", "development", "development, production or test"}, nullptr},  // read first, see load_config
      {{"PORT", "3000", "TCP port to listen on (0: any free port)"},
       [](Config& c, const std::string& v) { c.port = static_cast<std::uint16_t>(parse_int("PORT", v, 0, 65535)); }},
      {{"HOST", "127.0.0.1 (0.0.0.0 in production)", "address to listen on"},
       [](Config& c, const std::string& v) {
         if (v.empty()) throw ConfigError("HOST", "must not be empty");
         c.host = v;
       }},
      {{"DATABASE_URL", "sqlite://./data/keel.db", "sqlite://<path> or postgresql://user:pass@host:port/db?sslmode=..."},
       [](Config& c, const std::string& v) {
         require_scheme("DATABASE_URL", v, {"sqlite", "postgresql", "postgres"});
         c.database_url = v;
       }},
      {{"RESOURCES_FILE", "./resources.yaml if it exists", "YAML file declaring the product's resources"},
       [](Config& c, const std::string& v) { c.resources_file = v; }},
      {{"JWT_SECRET", "(generated in development)", "HMAC key for access tokens, at least 32 bytes; required in production"},
       [](Config& c, const std::string& v) {
         if (v.size() < 32) throw ConfigError("JWT_SECRET", "must be at least 32 bytes");
         c.jwt_secret = v;
       }},
      {{"JWT_ISSUER", "keel", "the iss claim of access tokens"},
       [](Config& c, const std::string& v) {
         if (v.empty()) throw ConfigError("JWT_ISSUER", "must not be empty");
         c.jwt_issuer = v;
       }},
      {{"ACCESS_TOKEN_TTL", "900", "access token lifetime in seconds (1..86400)"},
       [](Config& c, const std::string& v) {
         c.access_token_ttl = std::chrono::seconds(parse_int("ACCESS_TOKEN_TTL", v, 1, 86400));
       }},
      {{"REFRESH_TOKEN_TTL", "2592000", "refresh token lifetime in seconds (60..31536000)"},
       [](Config& c, const std::string& v) {
         c.refresh_token_ttl = std::chrono::seconds(parse_int("REFRESH_TOKEN_TTL", v, 60, 31536000));
       }},
      {{"BCRYPT_COST", "12", "bcrypt cost factor (10..15; 4..15 when APP_ENV=test)"},
       [](Config& c, const std::string& v) {
         c.bcrypt_cost = static_cast<int>(parse_int("BCRYPT_COST", v, c.env == Environment::kTest ? 4 : 10, 15));
       }},
      {{"REDIS_URL", "(none)", "redis://[:password@]host:port[/db], to share limits and revocations across instances"},
       [](Config& c, const std::string& v) {
         try {
           cache::parse_redis_url(v);  // parsed again when the client starts; here a mistake stops the start
         } catch (const std::invalid_argument& e) {
           throw ConfigError("REDIS_URL", e.what());
         }
         c.redis_url = v;
       }},
      {{"AMQP_URL", "(none)", "amqp://user:pass@host:port/vhost, for events"},
       [](Config& c, const std::string& v) {
         try {
           events::parse_amqp_url(v);  // the relay parses it again when it starts; here a mistake stops the start
         } catch (const events::AmqpUrlError& e) {
           throw ConfigError("AMQP_URL", e.what());
         }
         c.amqp_url = v;
       }},
      {{"LOG_LEVEL", "info", "error, warn, info or debug"},
       [](Config& c, const std::string& v) { c.log_level = one_of("LOG_LEVEL", v, {"error", "warn", "info", "debug"}); }},
      {{"LOG_FORMAT", "text (json in production)", "text or json (one object per line)"},
       [](Config& c, const std::string& v) {
         c.log_format = one_of("LOG_FORMAT", v, {"text", "json"}) == "json" ? LogFormat::kJson : LogFormat::kText;
       }},
      {{"CORS_ORIGINS", "(none)", "comma-separated browser origins allowed to call the API, or *"},
       [](Config& c, const std::string& v) { c.cors_origins = parse_origins(v); }},
      {{"MAX_BODY_BYTES", "1048576", "largest request body accepted (413 beyond)"},
       [](Config& c, const std::string& v) {
         c.max_body_bytes = static_cast<std::size_t>(parse_int("MAX_BODY_BYTES", v, 1, std::int64_t{1} << 30));
       }},
      {{"MAX_CONNECTIONS", "10000", "concurrent client connections served (503 beyond)"},
       [](Config& c, const std::string& v) {
         c.max_connections = static_cast<std::size_t>(parse_int("MAX_CONNECTIONS", v, 1, 1'000'000));
       }},
      {{"RATE_LIMIT_AUTH", "60", "register/login/refresh requests per minute per client address (0: off)"},
       [](Config& c, const std::string& v) {
         c.rate_limit_auth = static_cast<int>(parse_int("RATE_LIMIT_AUTH", v, 0, 1'000'000));
       }},
      {{"LOGIN_MAX_FAILURES", "10", "failed logins per email and address in 15 minutes before 429"},
       [](Config& c, const std::string& v) {
         c.login_max_failures = static_cast<int>(parse_int("LOGIN_MAX_FAILURES", v, 1, 1'000'000));
       }},
      {{"REFRESH_REUSE_INTERVAL", "10", "seconds a just-replaced refresh token stays usable (0: off)"},
       [](Config& c, const std::string& v) {
         c.refresh_reuse_interval = std::chrono::seconds(parse_int("REFRESH_REUSE_INTERVAL", v, 0, 3600));
       }},
      {{"EVENTS_RETENTION", "86400", "seconds events are kept for GET /api/events (1 to 31536000)"},
       [](Config& c, const std::string& v) {
         c.events_retention = std::chrono::seconds(parse_int("EVENTS_RETENTION", v, 1, 31'536'000));
       }},
      {{"THREADS", "number of cores", "I/O threads (event loops)"},
       [](Config& c, const std::string& v) { c.threads = static_cast<std::size_t>(parse_int("THREADS", v, 1, 256)); }},
      {{"ADMIN_EMAIL", "(none)", "with ADMIN_PASSWORD: admin created on first start"},
       [](Config& c, const std::string& v) {
         auto email = normalise_email(v);
         if (!email) throw ConfigError("ADMIN_EMAIL", "'" + v + "' is not a valid email address");
         c.admin_email = *email;
       }},
      {{"ADMIN_PASSWORD", "(none)", "with ADMIN_EMAIL: that admin's password"},
       [](Config& c, const std::string& v) {
         if (v.size() < 8 || v.size() > 72) throw ConfigError("ADMIN_PASSWORD", "must be 8 to 72 bytes");
         c.admin_password = v;
       }},
      {{"TRUSTED_PROXIES", "(none)",
        "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client"},
       [](Config& c, const std::string& v) { c.trusted_proxies = parse_trusted_proxies(v); }},
      {{"SQLITE_SYNCHRONOUS", "full",
        "full (an acknowledged write survives power loss) or normal (faster; a power cut may lose the last writes)"},
       [](Config& c, const std::string& v) {
         c.sqlite_synchronous = one_of("SQLITE_SYNCHRONOUS", v, {"full", "normal"});
       }},
      {{"METRICS_TOKEN", "(none)", "when set, GET /metrics needs Authorization: Bearer <this token>"},
       [](Config& c, const std::string& v) {
         if (v.size() < 16) throw ConfigError("METRICS_TOKEN", "must be at least 16 characters");
         if (std::any_of(v.begin(), v.end(), [](unsigned char ch) { return ch <= 0x20 || ch >= 0x7f; })) {
           throw ConfigError("METRICS_TOKEN", "must be printable ASCII without spaces");
         }
         c.metrics_token = v;
       }},
      {{"SMTP_URL", "(none: mail is written as .eml files under the data folder)",
        "smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://..., for account e-mail"},
       [](Config& c, const std::string& v) {
         require_scheme("SMTP_URL", v, {"smtp", "smtps"});
         c.smtp_url = v;
       }},
      {{"MAIL_FROM", "keel <keel@localhost>", "the From of account e-mail: an address, or Name <address>"},
       [](Config& c, const std::string& v) {
         const std::string address = mail_address_of(v);
         if (!normalise_email(address) || v.find_first_of("\r\n") != std::string::npos) {
           throw ConfigError("MAIL_FROM", fmt::format("'{}' is not an address or Name <address>", v));
         }
         c.mail_from = v;
       }},
      {{"PUBLIC_URL", "http://<HOST>:<PORT>", "where users reach keel: the start of the links in account e-mail"},
       [](Config& c, const std::string& v) {
         require_scheme("PUBLIC_URL", v, {"http", "https"});
         if (v.find_first_of("?# \t\r\n") != std::string::npos) {
           throw ConfigError("PUBLIC_URL", "must be a plain http(s) URL, without query or fragment");
         }
         c.public_url = v.back() == '/' ? v.substr(0, v.size() - 1) : v;
       }},
      {{"VERIFY_TOKEN_TTL", "86400", "seconds an email verification link stays valid (60..2592000)"},
       [](Config& c, const std::string& v) {
         c.verify_token_ttl = std::chrono::seconds(parse_int("VERIFY_TOKEN_TTL", v, c.env == Environment::kTest ? 1 : 60, 2'592'000));
       }},
      {{"RESET_TOKEN_TTL", "3600", "seconds a password reset link stays valid (60..86400)"},
       [](Config& c, const std::string& v) {
         c.reset_token_ttl = std::chrono::seconds(parse_int("RESET_TOKEN_TTL", v, c.env == Environment::kTest ? 1 : 60, 86'400));
       }},
      {{"MAIL_THROTTLE", "60", "seconds between two verification mails of one account (0: no wait)"},
       [](Config& c, const std::string& v) {
         c.mail_throttle = std::chrono::seconds(parse_int("MAIL_THROTTLE", v, 0, 86'400));
       }},
      {{"REQUIRE_VERIFIED_EMAIL", "false", "true: accounts sign in only once their email is verified (403 before)"},
       [](Config& c, const std::string& v) {
         c.require_verified_email = one_of("REQUIRE_VERIFIED_EMAIL", v, {"true", "false"}) == "true";
       }},
      {{"MAIL_TEMPLATES", "(the shipped ones)",
        "folder of mail templates overriding the shipped ones (docs/account-email.md)"},
       [](Config& c, const std::string& v) { c.mail_templates = v; }},
      {{"MAIL_RETRY_MAX", "300", "longest wait, in seconds, between two tries of a mail that could not be sent"},
       [](Config& c, const std::string& v) { c.mail_retry_max = parse_seconds("MAIL_RETRY_MAX", v, 0.1, 86400); }},
      {{"BLOCKING_THREADS", "half the number of cores, at least 1", "threads for blocking work (SQLite reads)"},
       [](Config& c, const std::string& v) {
         c.blocking_threads = static_cast<std::size_t>(parse_int("BLOCKING_THREADS", v, 1, 256));
       }},
      {{"BLOCKING_QUEUE", "4096", "blocking jobs that may wait before requests get 503"},
       [](Config& c, const std::string& v) {
         c.blocking_queue = static_cast<std::size_t>(parse_int("BLOCKING_QUEUE", v, 1, 1'000'000));
       }},
      {{"DB_POOL_SIZE", "16", "PostgreSQL connections per keel process (requests beyond wait up to 5 s, then 503)"},
       [](Config& c, const std::string& v) {
         c.db_pool_size = static_cast<std::size_t>(parse_int("DB_POOL_SIZE", v, 1, 1000));
       }},
      {{"DB_STATEMENT_TIMEOUT", "30", "seconds a database statement may run before it is stopped (503)"},
       [](Config& c, const std::string& v) {
         c.db_statement_timeout = parse_seconds("DB_STATEMENT_TIMEOUT", v, 0.01, 86400);
       }},
      {{"CACHE", "on",
        "read cache of records and list pages: on or off (on: in memory with SQLite, shared through Redis with "
        "REDIS_URL; never used on PostgreSQL without Redis)"},
       [](Config& c, const std::string& v) { c.cache = one_of("CACHE", v, {"on", "off"}) == "on"; }},
      {{"CACHE_MAX_MB", "64", "memory the in-process read cache may use, in MiB (1..65536)"},
       [](Config& c, const std::string& v) {
         c.cache_max_bytes = static_cast<std::size_t>(parse_int("CACHE_MAX_MB", v, 1, 65536)) << 20;
       }},
      {{"REALTIME_QUEUE_KB", "4096",
        "server messages a realtime connection may have unsent, in KiB, before it is closed with 1013 (16..1048576)"},
       [](Config& c, const std::string& v) {
         c.realtime_queue_bytes = static_cast<std::size_t>(parse_int("REALTIME_QUEUE_KB", v, 16, 1 << 20)) << 10;
       }},
      {{"AUTO_INDEXES", "4",
        "indexes keel may build per resource for lists that no declared index serves (0: none, only a log hint)"},
       [](Config& c, const std::string& v) {
         c.auto_indexes = static_cast<std::size_t>(parse_int("AUTO_INDEXES", v, 0, 64));
       }},
      {{"AUTO_INDEX_AFTER", "1", "seconds of database time one list shape spends sorting before its index is built"},
       [](Config& c, const std::string& v) { c.auto_index_after = parse_seconds("AUTO_INDEX_AFTER", v, 0, 86400); }},
      {{"MAX_CONNECTIONS_PER_CLIENT", "1024", "concurrent connections from one client address (503 beyond; 0: off)"},
       [](Config& c, const std::string& v) {
         c.max_connections_per_client =
             static_cast<std::size_t>(parse_int("MAX_CONNECTIONS_PER_CLIENT", v, 0, 1'000'000));
       }},
      {{"HEADER_TIMEOUT", "10", "seconds from a request's first byte to the end of its headers"},
       [](Config& c, const std::string& v) { c.header_timeout = parse_seconds("HEADER_TIMEOUT", v, 0.01, 3600); }},
      {{"BODY_TIMEOUT", "30", "seconds from the end of a request's headers to the end of its body"},
       [](Config& c, const std::string& v) { c.body_timeout = parse_seconds("BODY_TIMEOUT", v, 0.01, 3600); }},
      {{"IDLE_TIMEOUT", "60", "seconds a keep-alive connection may wait for its next request"},
       [](Config& c, const std::string& v) { c.idle_timeout = parse_seconds("IDLE_TIMEOUT", v, 0.01, 3600); }},
      {{"SHUTDOWN_TIMEOUT", "10", "seconds in-flight requests get to finish on SIGTERM"},
       [](Config& c, const std::string& v) { c.shutdown_timeout = parse_seconds("SHUTDOWN_TIMEOUT", v, 0, 300); }},
  };
  return kSpecs;
}

}  // namespace

std::string flag_name(std::string_view variable) {
  std::string out = "--";
  for (char c : variable) out.push_back(c == '_' ? '-' : static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  return out;
}

const std::vector<ConfigOption>& config_options() {
  static const std::vector<ConfigOption> kOptions = [] {
    std::vector<ConfigOption> out;
    for (const auto& s : specs()) out.push_back(s.doc);
    return out;
  }();
  return kOptions;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos) out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

Config load_config(const std::map<std::string, std::string>& environment, const std::vector<std::string>& flags) {
  // Flags override the environment: fold both into one map of variable -> value.
  std::map<std::string, std::string> values;
  for (const auto& s : specs()) {
    if (auto it = environment.find(s.doc.variable); it != environment.end()) values[s.doc.variable] = it->second;
  }
  for (std::size_t i = 0; i < flags.size(); ++i) {
    const std::string& arg = flags[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs()) {
      if (flag_name(s.doc.variable) == name) spec = &s;
    }
    if (!spec) throw ConfigError(name, "unknown option (see keel --help)");
    if (eq != std::string::npos) {
      values[spec->doc.variable] = arg.substr(eq + 1);
    } else if (i + 1 < flags.size()) {
      values[spec->doc.variable] = flags[++i];
    } else {
      throw ConfigError(spec->doc.variable, "the flag " + name + " needs a value");
    }
  }

  Config c;
  if (auto it = values.find("APP_ENV"); it != values.end()) {
    const std::string env = one_of("APP_ENV", it->second, {"development", "production", "test"});
    c.env = env == "production" ? Environment::kProduction : env == "test" ? Environment::kTest : Environment::kDevelopment;
  }
  // Defaults that depend on the environment or the machine.
  const bool production = c.env == Environment::kProduction;
  c.host = production ? "0.0.0.0" : "127.0.0.1";
  c.log_format = production ? LogFormat::kJson : LogFormat::kText;
  c.threads = cores();
  // Half the cores: on a small machine the I/O loops, the SQLite writer and the readers share
  // the CPU, and more reader threads than that mostly wake each other (docs/decisions.md).
  c.blocking_threads = std::max<std::size_t>(1, cores() / 2);

  for (const auto& s : specs()) {
    if (!s.set) continue;
    if (auto it = values.find(s.doc.variable); it != values.end()) s.set(c, it->second);
  }

  if (production && c.jwt_secret.empty()) {
    throw ConfigError("JWT_SECRET", "is required in production (at least 32 bytes)");
  }
  if (c.admin_email.empty() != c.admin_password.empty()) {
    throw ConfigError(c.admin_email.empty() ? "ADMIN_EMAIL" : "ADMIN_PASSWORD",
                      "ADMIN_EMAIL and ADMIN_PASSWORD go together");
  }
  return c;
}

}  // namespace keel::app
