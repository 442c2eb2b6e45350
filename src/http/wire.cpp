#include "http/wire.hpp"

#include <charconv>

namespace keel::http {
namespace {

bool safe_value(std::string_view v) noexcept {
  for (char c : v) {
    if (c == '\r' || c == '\n') return false;
  }
  return true;
}

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::string serialize_head(const Response& res, const WireOptions& options, std::size_t extra_capacity) {
  std::string out;
  out.reserve(256 + extra_capacity);
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(res.status));
  out.push_back(' ');
  out.append(reason_phrase(res.status));
  out.append("\r\n");
  for (const auto& [name, value] : res.headers) {
    if (safe_value(name) && safe_value(value)) append_header(out, name, value);
  }
  out.append(kFixedHeaders);
  if (!options.date.empty()) append_header(out, "Date", options.date);
  if (!options.request_id.empty() && safe_value(options.request_id)) {
    append_header(out, "X-Request-Id", options.request_id);
  }
  const bool bodiless = (res.status >= 100 && res.status < 200) || res.status == 204 || res.status == 304;
  if (!bodiless) {
    out.append("Content-Length: ");
    append_number(out, res.body.size());
    out.append("\r\n");
  }
  if (!options.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (options.http10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  return out;
}

}  // namespace keel::http
