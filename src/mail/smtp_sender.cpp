#include "mail/smtp_sender.hpp"

#include <cstring>
#include <memory>
#include <mutex>

#include <curl/curl.h>

#include "mail/mail_message.hpp"

namespace keel::mail {
namespace {

// libcurl's global state, set up once, before the first handle (curl_global_init is not
// thread-safe on every build).
void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  const std::string& data;
  std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& u = *static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, u.data.size() - u.at);
  std::memcpy(buffer, u.data.data() + u.at, n);
  u.at += n;
  return n;
}

// <address>, as SMTP's MAIL FROM and RCPT TO take it.
std::string angle(const std::string& address) {
  std::string out;
  out.reserve(address.size() + 2);
  out += '<';
  out += address;
  out += '>';
  return out;
}

}  // namespace

SmtpSender::SmtpSender(std::string url, std::string from, std::chrono::seconds timeout)
    : url_(std::move(url)), envelope_from_(angle(address_of(from))), timeout_(timeout) {
  init_curl();
}

std::string SmtpSender::where() const {
  // scheme://user:password@host → scheme://user@host
  const auto scheme = url_.find("://");
  const auto at = url_.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url_;
  const auto colon = url_.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url_;
  return url_.substr(0, colon) + url_.substr(at);
}

void SmtpSender::send(const std::string& to, const std::string& message) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw SendFailed("libcurl could not start", false);
  const std::string rcpt = angle(to);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(curl_slist_append(nullptr, rcpt.c_str()),
                                                                           &curl_slist_free_all);
  Upload upload{message};
  char error[CURL_ERROR_SIZE] = {};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, envelope_from_.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));  // STARTTLS when offered
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(timeout_.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return;
  long smtp_code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &smtp_code);
  const std::string detail = error[0] ? error : curl_easy_strerror(rc);
  // 5xx is the server's final word on this message (a refused recipient, a rejected message);
  // everything else (no connection, a timeout, 4xx) may pass on another try.
  const bool permanent = smtp_code >= 500 && smtp_code < 600 && rc != CURLE_LOGIN_DENIED;
  std::string what = "SMTP " + where();
  what += ": ";
  what += detail;
  if (smtp_code) what += " (" + std::to_string(smtp_code) + ")";
  throw SendFailed(what, permanent);
}

}  // namespace keel::mail
