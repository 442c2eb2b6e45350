#include "app/cli.hpp"

#include <pthread.h>
#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/app.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "core/run_sync.hpp"
#include "graphql/schema_builder.hpp"
#include "graphql/sdl.hpp"
#include "resources/resource_schema.hpp"
#include "storage/migrations/migrator.hpp"

namespace keel::app {
namespace {

Task<bool> apply_then_create(App& app, std::string email, std::string password, std::string name) {
  co_await storage::apply_migrations(app.database(), storage::core_migrations());
  co_return co_await app.users().ensure_admin(std::move(email), std::move(password), std::move(name));
}

// Room for MAX_CONNECTIONS sockets plus the database files and a margin.
void raise_file_limit(std::size_t max_connections) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < max_connections + 64) {
    spdlog::warn("open-file limit {} is below MAX_CONNECTIONS {} + 64; raise it with ulimit -n",
                 static_cast<unsigned long long>(rl.rlim_cur), max_connections);
  }
}

int serve(const Config& config, std::shared_ptr<spdlog::logger> access_logger) {
  // SIGINT/SIGTERM are taken by this thread with sigwait; every thread started later
  // inherits the mask, so no I/O thread is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  raise_file_limit(config.max_connections);
  App app(config, std::move(access_logger));
  app.start();
  const std::string shown_host = config.host == "0.0.0.0" ? "localhost" : config.host;
  spdlog::info("keel {} listening on http://{}:{} ({} I/O thread(s), database {})", KEEL_VERSION, shown_host,
               app.port(), config.threads, app.database().name());
  spdlog::default_logger()->flush();

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("{} received: finishing in-flight requests", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  app.stop();
  spdlog::info("stopped");
  spdlog::default_logger()->flush();
  return 0;
}

// The first line of `path` ("-": standard input), without its line ending; nullopt when it
// can't be read. A password passed this way stays out of the process list and shell history.
std::optional<std::string> read_password_file(const std::string& path) {
  std::string line;
  if (path == "-") {
    if (!std::getline(std::cin, line) && line.empty()) return std::nullopt;
  } else {
    std::ifstream in(path);
    if (!in || (!std::getline(in, line) && line.empty())) return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// keel admin create --email E (--password-file F | --password P) [--name N]: on the configured
// database. --password-file - reads the password from standard input.
int admin_create(const Config& base, const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: keel admin create --email E (--password-file FILE | --password-file - | --password P) [--name N]\n";
  std::string email, password, password_file, name = "Admin";
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--email") email = args[i + 1];
    else if (args[i] == "--password") password = args[i + 1];
    else if (args[i] == "--password-file") password_file = args[i + 1];
    else if (args[i] == "--name") name = args[i + 1];
    else {
      std::cerr << "keel: unknown option for admin create: " << args[i] << "\n";
      return 2;
    }
  }
  if (args.size() % 2 != 0 || email.empty() || password.empty() == password_file.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (!password_file.empty()) {
    auto read = read_password_file(password_file);
    if (!read) {
      std::cerr << "keel: cannot read a password from " << (password_file == "-" ? "standard input" : password_file)
                << "\n";
      return 2;
    }
    password = std::move(*read);
  }
  Config config = base;
  Config checked = load_config({{"ADMIN_EMAIL", email}, {"ADMIN_PASSWORD", password}}, {});
  config.admin_email = checked.admin_email;
  config.admin_password = checked.admin_password;
  config.port = 0;
  App app(config, nullptr);
  const bool created = run_sync([&] {
    return apply_then_create(app, config.admin_email, config.admin_password, name);
  });
  std::cout << (created ? "keel: admin " + config.admin_email + " created\n"
                        : "keel: a user with email " + config.admin_email + " exists already; nothing changed\n");
  return 0;
}

// The document of the routes this configuration serves (resources file included). Builds the
// App on an in-memory database: printing it touches no database and no data folder.
int print_openapi(Config config) {
  config.database_url = "sqlite://:memory:";
  if (config.jwt_secret.empty()) config.jwt_secret = std::string(48, 'x');  // never signs anything here
  const App app(std::move(config), nullptr);
  std::cout << app.openapi() << "\n";
  return 0;
}

// The GraphQL schema (API.md §13) of the resources file this configuration serves, as SDL. Like
// `keel openapi`: the App on an in-memory database, so its model is the one the server builds.
int print_graphql_schema(Config config) {
  config.database_url = "sqlite://:memory:";
  if (config.jwt_secret.empty()) config.jwt_secret = std::string(48, 'x');  // never signs anything here
  const App app(std::move(config), nullptr);
  std::cout << graphql::print_schema(graphql::build_schema(app.model())) << "\n";
  return 0;
}

int migrate(const Config& config, bool allow_destructive) {
  const resources::Declarations decls = load_declarations(config);
  BlockingPool pool(1, 16);
  Metrics metrics;
  auto db = open_database(config, pool, metrics);
  const auto applied = run_sync([&] { return storage::apply_migrations(*db, storage::core_migrations()); });
  const auto changed = run_sync([&] { return resources::migrate_resources(*db, decls, allow_destructive); });
  if (applied.empty() && changed.applied.empty()) {
    std::cout << "keel: database is up to date\n";
    return 0;
  }
  std::cout << fmt::format("keel: applied {} migration(s) and {} resource change(s)\n", applied.size(),
                           changed.applied.size());
  for (const auto& c : changed.applied) std::cout << "  - " << c << "\n";
  return 0;
}

}  // namespace

std::string help_text() {
  std::string out = fmt::format(
      "keel {} — a backend server: accounts, users, roles and your resources as a JSON REST API\n\n"
      "Usage: keel [command] [--option value ...]\n\n"
      "Commands:\n"
      "  serve      start the HTTP server (the default)\n"
      "  migrate [--allow-destructive]\n"
      "             apply pending database migrations and resources-file changes and exit;\n"
      "             changes that drop or retype stored data need --allow-destructive\n"
      "  openapi    print the OpenAPI 3.1 document of the API (RESOURCES_FILE included) and exit\n"
      "  graphql-schema\n"
      "             print the GraphQL schema (SDL) generated from RESOURCES_FILE and exit\n"
      "  admin create --email E --password-file FILE [--name N]\n"
      "             create an admin account (unless the email exists) and exit; the password is\n"
      "             the file's first line (--password-file - reads standard input; --password P\n"
      "             also works, but shows the password in the process list)\n"
      "  version    print the version and exit\n"
      "  help       print this text (also --help, -h)\n\n"
      "Options (each also read from the environment variable shown; a flag wins):\n",
      KEEL_VERSION);
  for (const auto& o : config_options()) {
    out += fmt::format("  {:<26} {:<24} {}\n                             default: {}\n", flag_name(o.variable),
                       o.variable, o.help, o.default_text);
  }
  return out;
}

int run_cli(const std::vector<std::string>& args) {
  std::string command = "serve";
  std::vector<std::string> flags;
  std::vector<std::string> admin_args;
  bool allow_destructive = false;
  if (args.size() >= 2 && args[0] == "admin" && args[1] == "create") {
    // Its own options; everything else (DATABASE_URL, BCRYPT_COST...) from the environment.
    command = "admin";
    admin_args.assign(args.begin() + 2, args.end());
  }
  for (std::size_t i = 0; command != "admin" && i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h" || (i == 0 && a == "help")) {
      std::cout << help_text();
      return 0;
    }
    if (a == "--version" || (i == 0 && a == "version")) {
      std::cout << "keel " << KEEL_VERSION << "\n";
      return 0;
    }
    if (i == 0 && !a.starts_with("-")) {
      if (a != "serve" && a != "migrate" && a != "openapi" && a != "graphql-schema") {
        std::cerr << "keel: unknown command '" << a << "' (see keel --help)\n";
        return 2;
      }
      command = a;
      continue;
    }
    if (command == "migrate" && a == "--allow-destructive") {
      allow_destructive = true;
      continue;
    }
    flags.push_back(a);
  }

  Config config;
  try {
    config = load_config(process_environment(), flags);
  } catch (const ConfigError& e) {
    std::cerr << "keel: configuration error: " << e.what() << "\n";
    return 2;
  }
  // `keel openapi` and `keel graphql-schema` write their document to stdout, where the log goes
  // too: only problems, then.
  const bool prints = command == "openapi" || command == "graphql-schema";
  if (prints && (config.log_level == "info" || config.log_level == "debug")) config.log_level = "warn";
  auto access_logger = setup_logging(config);

  try {
    if (command == "admin") return admin_create(config, admin_args);
    if (command == "openapi") return print_openapi(config);
    if (command == "graphql-schema") return print_graphql_schema(config);
    return command == "migrate" ? migrate(config, allow_destructive) : serve(config, std::move(access_logger));
  } catch (const ConfigError& e) {
    spdlog::critical("configuration error: {}", e.what());
    return 2;
  } catch (const std::exception& e) {
    // `keel migrate` refusing a destructive change is no failed start: say which command failed.
    spdlog::critical("{}: {}", command == "serve" ? std::string("keel could not start") : "keel " + command + " failed",
                     e.what());
    return 1;
  }
}

}  // namespace keel::app
