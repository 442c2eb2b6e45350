#include "http/access_log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <spdlog/spdlog.h>

#include "core/ids.hpp"

namespace keel::http {
namespace {

// JSON string literal for `s`, quotes included: request text is escaped, never trusted.
std::string quoted(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

}  // namespace

AccessLog::AccessLog(std::shared_ptr<spdlog::logger> logger, bool json) : logger_(std::move(logger)), json_(json) {}

void AccessLog::record(const Exchange& ex) const {
  if (!logger_->should_log(spdlog::level::info)) return;
  const double ms = std::chrono::duration<double, std::milli>(ex.duration).count();
  if (json_) {
    logger_->info(
        R"({{"time":"{}","level":"info","msg":"request","method":{},"path":{},"route":{},"status":{},"bytes":{},"durationMs":{:.3f},"requestId":{},"userId":{},"remote":{}}})",
        now_timestamp(), quoted(ex.method), quoted(ex.path), quoted(ex.route), ex.status, ex.bytes, ms,
        quoted(ex.request_id), ex.user_id.empty() ? "null" : quoted(ex.user_id), quoted(ex.remote_address));
  } else {
    logger_->info("{} {} {} {}B {:.3f}ms id={} user={} remote={}", ex.method, quoted(ex.path),
                  ex.status, ex.bytes, ms, ex.request_id, ex.user_id.empty() ? "-" : ex.user_id,
                  ex.remote_address);
  }
}

}  // namespace keel::http
