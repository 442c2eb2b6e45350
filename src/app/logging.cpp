#include "app/logging.hpp"

#include <unistd.h>

#include <cstdio>
#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "core/json_text.hpp"

namespace keel::app {
namespace {

constexpr std::string_view kAccessLoggerName = "access";

// stdout without a flush per line: a write(2) per request would cost more than the request.
// Lines are flushed every second, at once for warnings and errors, and at exit.
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    // base_sink's mutex already serialises writers: skip stdio's own lock.
    fwrite_unlocked(buf.data(), 1, buf.size(), stdout);
  }
  void flush_() override { fflush_unlocked(stdout); }
};

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "info";
  }
}

// {"time":"...","level":"info","msg":"..."}: one object per line. The access logger's lines
// are already complete JSON objects with their own fields, and pass through as they are.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    if (msg.logger_name == kAccessLoggerName) {
      dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
      dest.push_back('\n');
      return;
    }
    std::string line = R"({"time":")" + format_timestamp(msg.time) + R"(","level":")";
    line.append(level_name(msg.level));
    line.append(R"(","msg":)");
    append_json_string(line, std::string_view(msg.payload.data(), msg.payload.size()));
    line.push_back('}');
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

spdlog::level::level_enum parse_level(const std::string& name) {
  if (name == "error") return spdlog::level::err;
  if (name == "warn") return spdlog::level::warn;
  if (name == "debug") return spdlog::level::debug;
  return spdlog::level::info;
}

}  // namespace

std::shared_ptr<spdlog::logger> setup_logging(const Config& config, std::shared_ptr<spdlog::sinks::sink> sink) {
  if (!sink) {
    if (!isatty(fileno(stdout))) {
      // glibc ignores the size when it allocates the buffer itself (it picks 4 KiB): hand it
      // 64 KiB of our own, so a pipe or file sees one write per ~200 access lines.
      static char stdout_buffer[1 << 16];
      std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    }
    sink = std::make_shared<BufferedStdoutSink>();
  }
  if (config.log_format == LogFormat::kJson) {
    sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    sink->set_formatter(
        std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc));
  }
  const auto level = parse_level(config.log_level);
  auto main = std::make_shared<spdlog::logger>("keel", sink);
  main->set_level(level);
  main->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(main);

  auto access = std::make_shared<spdlog::logger>(std::string(kAccessLoggerName), sink);
  access->set_level(level);
  spdlog::flush_every(std::chrono::seconds(1));
  return access;
}

}  // namespace keel::app
