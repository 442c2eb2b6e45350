#pragma once
// The mail the throwaway SMTP server of scripts/with-smtp.sh received (issue 18): it is aiosmtpd with
// its Mailbox handler, writing one file per message into $KEEL_TEST_SMTP_DIR/new and adding the
// envelope as X-MailFrom / X-RcptTo headers. The folder is shared by every test of a run: tests
// tell their mail apart by using addresses of their own.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace keel::test {

/// One received message, decoded.
struct ReceivedMail {
  std::string to;       // the envelope recipients (X-RcptTo)
  std::string from;     // the From header, RFC 2047 decoded
  std::string subject;  // RFC 2047 decoded, unfolded
  std::string text;     // the text/plain part, transfer encoding undone (UTF-8)
  std::string html;     // the text/html part, transfer encoding undone (UTF-8)
  std::string raw;      // the file as the server stored it
};

/// KEEL_TEST_SMTP_URL (smtp://127.0.0.1:PORT); fails the test (never skips) when it is unset.
std::string smtp_url();

/// Runs $KEEL_TEST_SMTP_CTL with `what` (stop | start | status). stop returns once the server is
/// gone, start once it answers again (start is a no-op while it runs). Fails the test when the
/// script is missing or fails.
void smtp_ctl(const std::string& what);

/// Every message whose envelope names `address` (case-insensitive), in the order they arrived.
std::vector<ReceivedMail> mails_to(const std::string& address);

/// The `nth` (from 1) message to `address`, waiting up to `timeout` for it. On timeout, fails the
/// test saying how many did arrive, and returns an empty ReceivedMail.
ReceivedMail wait_for_mail(const std::string& address, std::size_t nth = 1,
                           std::chrono::milliseconds timeout = std::chrono::seconds(15));

/// The token T of a link `.../<path>?token=T` in the mail's text part (`path` with or without its
/// leading '/', e.g. "verify-email"). T is base64url, 43 characters; fails the test and returns ""
/// when there is no such link.
std::string link_in(const ReceivedMail& mail, std::string_view path);

/// Decoding helpers, exposed for the tests of this file's own logic.
namespace maildir_detail {
/// Standard base64 (RFC 4648 §4), whitespace ignored; stops at '='.
std::string base64_decode(std::string_view text);
/// A header value with RFC 2047 encoded-words (B and Q) decoded; whitespace between two adjacent
/// encoded-words is dropped (RFC 2047 §6.2).
std::string decode_header_text(std::string_view value);
/// Parses one stored message (CRLF or LF line ends).
ReceivedMail parse_message(std::string raw);
}  // namespace maildir_detail

}  // namespace keel::test
