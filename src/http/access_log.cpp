#include "http/access_log.hpp"

#include <charconv>

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "core/json_text.hpp"

namespace keel::http {
namespace {

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

// Strings the server itself produced or validated (method token, route template, request id,
// IP address) need no escaping; only the path is the client's own text.
void append_quoted(std::string& out, std::string_view trusted) {
  out.push_back('"');
  out.append(trusted);
  out.push_back('"');
}

void append_millis(std::string& out, std::chrono::nanoseconds d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  append_number(out, static_cast<std::size_t>(us / 1000));
  out.push_back('.');
  const auto frac = static_cast<int>(us % 1000);
  out.push_back(static_cast<char>('0' + frac / 100));
  out.push_back(static_cast<char>('0' + frac / 10 % 10));
  out.push_back(static_cast<char>('0' + frac % 10));
}

}  // namespace

AccessLog::AccessLog(std::shared_ptr<spdlog::logger> logger, bool json) : logger_(std::move(logger)), json_(json) {}

// Built by hand rather than through a JSON library: this runs once per request. Every
// client-supplied string (the path, later the user id) is escaped, so a line is always one
// valid object.
void AccessLog::record(const Exchange& ex) const {
  if (!logger_->should_log(spdlog::level::info)) return;
  std::string line;
  line.reserve(256);
  if (json_) {
    line.append(R"({"time":")");
    append_timestamp(line, std::chrono::system_clock::now());
    line.append(R"(","level":"info","msg":"request","method":)");
    append_quoted(line, ex.method);
    line.append(R"(,"path":)");
    append_json_string(line, ex.path);
    line.append(R"(,"route":)");
    append_quoted(line, ex.route);
    line.append(R"(,"status":)");
    append_number(line, static_cast<std::size_t>(ex.status));
    line.append(R"(,"bytes":)");
    append_number(line, ex.bytes);
    line.append(R"(,"durationMs":)");
    append_millis(line, ex.duration);
    line.append(R"(,"requestId":)");
    append_quoted(line, ex.request_id);
    line.append(R"(,"userId":)");
    if (ex.user_id.empty()) {
      line.append("null");
    } else {
      append_json_string(line, ex.user_id);
    }
    line.append(R"(,"remote":)");
    append_quoted(line, ex.remote_address);
    line.push_back('}');
  } else {
    line.append(ex.method);
    line.push_back(' ');
    append_json_string(line, ex.path);
    line.push_back(' ');
    append_number(line, static_cast<std::size_t>(ex.status));
    line.push_back(' ');
    append_number(line, ex.bytes);
    line.append("B ");
    append_millis(line, ex.duration);
    line.append("ms id=");
    line.append(ex.request_id);
    line.append(" user=");
    line.append(ex.user_id.empty() ? std::string_view("-") : ex.user_id);
    line.append(" remote=");
    line.append(ex.remote_address);
  }
  logger_->info(std::string_view(line));
}

}  // namespace keel::http
