#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "app/app.hpp"
#include "app/config.hpp"
#include "support/http_client.hpp"

namespace keel::test {

/// A fresh temporary folder, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// The test defaults: APP_ENV=test, an ephemeral port, one I/O thread, and a fresh SQLite
/// file in `dir`.
app::Config test_config(const std::filesystem::path& dir);

/// The real keel App, started in-process on 127.0.0.1 and an ephemeral port, with a fresh
/// database (a temporary SQLite file, or with KEEL_TEST_BACKEND=postgres a fresh schema on the
/// test PostgreSQL server) and its log captured. Stopped and removed on destruction.
class TestServer {
 public:
  /// `configure` adjusts the config; `before_start` may add routes (e.g. test-only ones);
  /// token and session rules read `clock` (a ManualClock lets a test move time). The clock
  /// must outlive the server.
  explicit TestServer(std::function<void(app::Config&)> configure = {},
                      std::function<void(app::App&)> before_start = {}, const Clock& clock = Clock::system());
  ~TestServer();

  std::uint16_t port() const noexcept { return app_->port(); }
  app::App& app() noexcept { return *app_; }
  /// A new client on its own connection.
  HttpClient client() const { return HttpClient(port()); }
  /// Everything logged so far (main and access log), as one text.
  std::string logs() const;
  /// Waits until the log contains `text` (the access line is written just after the response,
  /// so a client can see the response first); returns logs() either way.
  std::string wait_for_log(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(2)) const;
  /// Graceful stop, as on SIGTERM.
  void stop() { app_->stop(); }

 private:
  TempDir dir_;
  std::unique_ptr<class TestDatabase> database_;  // set when the tests run on PostgreSQL
  std::shared_ptr<std::ostringstream> log_;
  std::shared_ptr<std::mutex> log_mutex_;
  std::unique_ptr<app::App> app_;
};

}  // namespace keel::test
