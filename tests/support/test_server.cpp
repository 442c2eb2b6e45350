#include "support/test_server.hpp"

#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include <sys/resource.h>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "app/logging.hpp"
#include "support/test_database.hpp"

namespace keel::test {
namespace {

// A sink into a string stream that tests can read while the server runs.
class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  CaptureSink(std::shared_ptr<std::ostringstream> out, std::shared_ptr<std::mutex> m)
      : out_(std::move(out)), m_(std::move(m)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::lock_guard l(*m_);
    out_->write(buf.data(), static_cast<std::streamsize>(buf.size()));
  }
  void flush_() override {}

 private:
  std::shared_ptr<std::ostringstream> out_;
  std::shared_ptr<std::mutex> m_;
};

}  // namespace

TempDir::TempDir() {
  std::random_device rd;
  const auto base = std::filesystem::temp_directory_path();
  for (;;) {
    path_ = base / ("keel-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(path_)) break;
  }
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

app::Config test_config(const std::filesystem::path& dir) {
  app::Config c;
  c.env = app::Environment::kTest;
  c.host = "127.0.0.1";
  c.port = 0;
  c.threads = 1;
  c.blocking_threads = 2;
  c.database_url = "sqlite://" + (dir / "keel.db").string();
  c.log_level = "info";
  return c;
}

TestServer::TestServer(std::function<void(app::Config&)> configure, std::function<void(app::App&)> before_start,
                       const Clock& clock)
    : log_(std::make_shared<std::ostringstream>()), log_mutex_(std::make_shared<std::mutex>()) {
  // Client and server sockets share this process: make room for both ends of many connections.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  app::Config config = test_config(dir_.path());
  if (test_backend() == "postgres") {
    database_ = std::make_unique<TestDatabase>("postgres");
    config.database_url = database_->url();
  }
  if (configure) configure(config);
  auto access = app::setup_logging(config, std::make_shared<CaptureSink>(log_, log_mutex_));
  app_ = std::make_unique<app::App>(config, access, clock);
  if (before_start) before_start(*app_);
  app_->start();
}

TestServer::~TestServer() {
  app_.reset();
  database_.reset();
}

std::string TestServer::logs() const {
  std::lock_guard l(*log_mutex_);
  return log_->str();
}

}  // namespace keel::test

namespace keel::test {

std::string TestServer::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string all = logs();
    if (all.find(text) != std::string::npos || std::chrono::steady_clock::now() > deadline) return all;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace keel::test
