#include "events/amqp_publisher.hpp"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>

#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace keel::events {
namespace {

using Clock = std::chrono::steady_clock;

constexpr amqp_channel_t kChannel = 1;
constexpr int kFrameMax = 131072;  // librabbitmq's default; RabbitMQ's too
constexpr const char* kCaBundle = "/etc/ssl/certs/ca-certificates.crt";  // Debian's ca-certificates

timeval to_timeval(std::chrono::microseconds d) {
  if (d.count() < 0) d = std::chrono::microseconds(0);
  return timeval{.tv_sec = static_cast<time_t>(d.count() / 1000000), .tv_usec = static_cast<suseconds_t>(d.count() % 1000000)};
}

amqp_bytes_t bytes(const std::string& s) { return amqp_bytes_t{s.size(), const_cast<char*>(s.data())}; }

std::string text(amqp_bytes_t b) { return b.len == 0 ? std::string() : std::string(static_cast<const char*>(b.bytes), b.len); }

std::string describe_close(const amqp_method_t& method) {
  if (method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const auto* m = static_cast<const amqp_connection_close_t*>(method.decoded);
    return fmt::format("the broker closed the connection ({}: {})", m->reply_code, text(m->reply_text));
  }
  if (method.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const auto* m = static_cast<const amqp_channel_close_t*>(method.decoded);
    return fmt::format("the broker closed the channel ({}: {})", m->reply_code, text(m->reply_text));
  }
  return fmt::format("unexpected {} from the broker", amqp_method_name(method.id));
}

// A library status as text; for a failed send or receive, the OS's reason too (errno as the failed
// call left it).
std::string describe_status(int status, int saved_errno) {
  std::string out = amqp_error_string2(status);
  if ((status == AMQP_STATUS_SOCKET_ERROR || status == AMQP_STATUS_TCP_ERROR) && saved_errno != 0) {
    out += fmt::format(" ({})", std::strerror(saved_errno));
  }
  return out;
}

// Waits until the socket can take more bytes (or has failed: the write then says why). False when
// the deadline passes first. librabbitmq's own writes wait without a limit for a full socket buffer,
// which a broker that stopped reading (a resource alarm blocks publishers) never drains.
bool writable_before(int fd, Clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;
  }
}

}  // namespace

AmqpPublisher::AmqpPublisher(AmqpPublisherOptions options)
    : options_(std::move(options)), broker_(options_.url.redacted()) {}

AmqpPublisher::~AmqpPublisher() { reset(); }

void AmqpPublisher::fail(const std::string& what) {
  reset();
  throw AmqpError(fmt::format("RabbitMQ {}: {}", broker_, what));
}

// Throws when an RPC (login, channel.open, a declare, ...) did not get its normal reply. A
// close from the broker is answered with close-ok first, as AMQP wants.
void AmqpPublisher::check_rpc(const amqp_rpc_reply_t& reply, const std::string& step) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return;
    case AMQP_RESPONSE_NONE:
      fail(fmt::format("{}: no reply", step));
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      healthy_ = false;
      fail(fmt::format("{}: {}", step, amqp_error_string2(reply.library_error)));
    case AMQP_RESPONSE_SERVER_EXCEPTION: {
      const std::string why = describe_close(reply.reply);  // before anything else uses the connection
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        amqp_connection_close_ok_t ok{};
        amqp_send_method(conn_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        healthy_ = false;
      } else if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_ok_t ok{};
        amqp_send_method(conn_, kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
      }
      fail(fmt::format("{}: {}", step, why));
    }
  }
  fail(fmt::format("{}: unknown reply type", step));
}

void AmqpPublisher::connect() {
  if (conn_ != nullptr) return;
  conn_ = amqp_new_connection();
  if (conn_ == nullptr) throw AmqpError("RabbitMQ: out of memory");
  healthy_ = false;  // until the handshake is through: nothing to close politely
  published_ = 0;

  const timeval timeout = to_timeval(options_.connect_timeout);
  // Bounds login (the handshake) and every RPC after it: a broker that accepts the TCP connection
  // and then says nothing cannot hold the caller longer than connect_timeout per step.
  if (amqp_set_handshake_timeout(conn_, &timeout) != AMQP_STATUS_OK ||
      amqp_set_rpc_timeout(conn_, &timeout) != AMQP_STATUS_OK) {
    fail("could not set the timeouts");
  }

  amqp_socket_t* socket = nullptr;
  if (options_.url.tls) {
    socket = amqp_ssl_socket_new(conn_);
    if (socket != nullptr) {
      amqp_ssl_socket_set_verify_peer(socket, 1);
      amqp_ssl_socket_set_verify_hostname(socket, 1);
      if (std::filesystem::exists(kCaBundle) && amqp_ssl_socket_set_cacert(socket, kCaBundle) != AMQP_STATUS_OK) {
        fail(fmt::format("could not load the CA certificates of {}", kCaBundle));
      }
    }
  } else {
    socket = amqp_tcp_socket_new(conn_);
  }
  if (socket == nullptr) fail("could not create a socket");

  // (No errno here: librabbitmq connects without blocking and reads the outcome with getsockopt,
  // so errno holds EINPROGRESS, not the reason.)
  const int opened = amqp_socket_open_noblock(socket, options_.url.host.c_str(), options_.url.port, &timeout);
  if (opened != AMQP_STATUS_OK) {
    fail(opened == AMQP_STATUS_TIMEOUT ? fmt::format("could not connect within {} ms", options_.connect_timeout.count())
                                       : fmt::format("could not connect: {}", amqp_error_string2(opened)));
  }

  // Heartbeats off: librabbitmq only answers them inside its own calls, and an idle relay makes
  // none, so the broker would drop it between batches. A dead connection shows up instead as a
  // failed write or a confirm timeout in publish().
  const amqp_rpc_reply_t login = amqp_login(conn_, options_.url.vhost.c_str(), 0, kFrameMax, 0, AMQP_SASL_METHOD_PLAIN,
                                            options_.url.user.c_str(), options_.url.password.c_str());
  if (login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && login.library_error == AMQP_STATUS_CONNECTION_CLOSED) {
    // A broker without authentication_failure_close just hangs up on bad credentials.
    fail("login: the broker closed the connection (wrong user or password, or no access to the vhost?)");
  }
  check_rpc(login, "login");
  healthy_ = true;

  amqp_channel_open(conn_, kChannel);
  check_rpc(amqp_get_rpc_reply(conn_), "channel.open");
  // Durable topic exchange: survives broker restarts, routed by event type. A declare with other
  // settings than an existing exchange's closes the channel (406 PRECONDITION_FAILED).
  amqp_exchange_declare(conn_, kChannel, bytes(options_.exchange), amqp_cstring_bytes("topic"), /*passive=*/0,
                        /*durable=*/1, /*auto_delete=*/0, /*internal=*/0, amqp_empty_table);
  check_rpc(amqp_get_rpc_reply(conn_), "exchange.declare " + options_.exchange);
  amqp_confirm_select(conn_, kChannel);
  check_rpc(amqp_get_rpc_reply(conn_), "confirm.select");
}

void AmqpPublisher::reset() noexcept {
  if (conn_ == nullptr) return;
  if (healthy_) {
    // A polite close, bounded by the RPC timeout (shortened: this is cleanup).
    const timeval quick = to_timeval(std::chrono::milliseconds(500));
    amqp_set_rpc_timeout(conn_, &quick);
    amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(conn_);
  conn_ = nullptr;
  healthy_ = false;
  published_ = 0;
}

void AmqpPublisher::publish(std::span<const AmqpMessage> batch) {
  if (batch.empty()) return;
  if (conn_ != nullptr) {
    // Whatever closed the connection while it was idle is the clearer reason, and writing into a
    // closed connection would only earn a reset.
    if (const std::string why = pending_close(); !why.empty()) fail(why);
  }
  connect();

  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  const auto deadline = Clock::now() + options_.publish_timeout;
  const int fd = amqp_get_sockfd(conn_);
  const std::uint64_t first = published_ + 1;
  for (const AmqpMessage& m : batch) {
    if (!writable_before(fd, deadline)) {
      healthy_ = false;
      fail(fmt::format("publish: the broker took no more data for {} ms (blocked by a resource alarm, or overloaded)",
                       options_.publish_timeout.count()));
    }
    props.message_id = bytes(m.message_id);
    errno = 0;
    const int rc = amqp_basic_publish(conn_, kChannel, bytes(options_.exchange), bytes(m.routing_key), /*mandatory=*/0,
                                      /*immediate=*/0, &props, bytes(m.body));
    if (rc != AMQP_STATUS_OK) {
      const int saved_errno = errno;
      // Writing failed, usually because the broker hung up: if it said why first, say that.
      const std::string why = pending_close();
      healthy_ = false;
      fail(fmt::format("publish: {}", why.empty() ? describe_status(rc, saved_errno) : why));
    }
    ++published_;
  }
  await_confirms(first, published_, deadline);
}

void AmqpPublisher::check() {
  if (conn_ != nullptr) {
    if (const std::string why = pending_close(); !why.empty()) fail(why);
  }
  connect();
}

// Reads, without waiting, what the broker sent while nobody was reading: a connection.close or
// channel.close (a broker stopping, an operator closing the connection), answered with close-ok.
// Returns why the connection cannot be used, or "" when nothing says so.
std::string AmqpPublisher::pending_close() {
  const timeval zero{};
  while (true) {
    amqp_frame_t frame{};
    errno = 0;
    const int rc = amqp_simple_wait_frame_noblock(conn_, &frame, &zero);
    if (rc == AMQP_STATUS_TIMEOUT) return {};
    if (rc != AMQP_STATUS_OK) {
      healthy_ = false;
      return describe_status(rc, errno);
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    const amqp_method_t& method = frame.payload.method;
    if (method.id == AMQP_CONNECTION_CLOSE_METHOD) {
      std::string why = describe_close(method);
      amqp_connection_close_ok_t ok{};
      amqp_send_method(conn_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
      healthy_ = false;
      return why;
    }
    if (method.id == AMQP_CHANNEL_CLOSE_METHOD) {
      std::string why = describe_close(method);
      amqp_channel_close_ok_t ok{};
      amqp_send_method(conn_, kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
      return why;
    }
  }
}

// Waits until `deadline` for basic.ack of delivery tags first..last. The broker may confirm several
// at once (`multiple`: every tag up to this one) and in any order; a basic.nack for any of them, a
// close, a lost connection or the deadline ends the wait with an exception.
void AmqpPublisher::await_confirms(std::uint64_t first, std::uint64_t last, Clock::time_point deadline) {
  std::vector<bool> acked(last - first + 1, false);
  std::uint64_t pending = acked.size();
  std::uint64_t acked_below = first;  // every tag below this one is confirmed
  const auto mark = [&](std::uint64_t tag, bool multiple) {
    std::uint64_t from = multiple ? acked_below : tag;
    for (std::uint64_t t = std::max(from, first); t <= std::min(tag, last); ++t) {
      if (!acked[t - first]) {
        acked[t - first] = true;
        --pending;
      }
    }
    if (multiple && tag >= acked_below) acked_below = tag + 1;
  };

  while (pending > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      healthy_ = false;  // a broker this slow would not answer a polite close either
      fail(fmt::format("the broker confirmed {} of {} messages within {} ms", acked.size() - pending, acked.size(),
                       options_.publish_timeout.count()));
    }
    const timeval tv = to_timeval(left);
    amqp_frame_t frame{};
    errno = 0;
    const int rc = amqp_simple_wait_frame_noblock(conn_, &frame, &tv);
    if (rc == AMQP_STATUS_TIMEOUT) continue;  // the deadline check above ends it
    if (rc != AMQP_STATUS_OK) {
      const int saved_errno = errno;
      healthy_ = false;
      fail(fmt::format("waiting for confirms: {}", describe_status(rc, saved_errno)));
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;  // nothing else is expected on a publishing channel
    const amqp_method_t& method = frame.payload.method;
    switch (method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
        mark(ack->delivery_tag, ack->multiple != 0);
        break;
      }
      case AMQP_BASIC_NACK_METHOD: {
        const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
        if (nack->delivery_tag >= first) {  // (a multiple nack below `first` covers only confirmed tags)
          fail(fmt::format("the broker refused (basic.nack) {} {} of the batch", nack->multiple ? "messages up to" : "message",
                           nack->delivery_tag - first + 1));
        }
        break;
      }
      case AMQP_CONNECTION_CLOSE_METHOD: {
        const std::string why = describe_close(method);
        amqp_connection_close_ok_t ok{};
        amqp_send_method(conn_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        healthy_ = false;
        fail(why);
      }
      case AMQP_CHANNEL_CLOSE_METHOD: {
        const std::string why = describe_close(method);
        amqp_channel_close_ok_t ok{};
        amqp_send_method(conn_, kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        fail(why);
      }
      default:
        break;  // e.g. connection.blocked: keep waiting, the deadline still holds
    }
    amqp_maybe_release_buffers(conn_);
  }
}

}  // namespace keel::events
