#include "support/ws_client.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace keel::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct WsClient::Impl {
  asio::io_context io;
  websocket::stream<asio::ip::tcp::socket> ws{io};
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::string> messages;
  bool ended = false;
  std::optional<int> close_code;
  std::thread reader;
  std::mutex write_mutex;

  void read_all() {
    beast::flat_buffer buffer;
    for (;;) {
      beast::error_code rec;
      ws.read(buffer, rec);
      std::lock_guard l(mutex);
      if (rec) {
        // The server's close frame, when one came: its code stands even if the closing
        // handshake then failed here (this client's writes and reads share the stream).
        if (rec == websocket::error::closed || ws.reason().code != websocket::close_code::none) {
          close_code = ws.reason().code;
        }
        ended = true;
        changed.notify_all();
        return;
      }
      messages.push_back(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
      changed.notify_all();
    }
  }
};

WsClient::WsClient(std::uint16_t port, std::string target, std::string origin, bool slow)
    : impl_(std::make_unique<Impl>()) {
  Impl& i = *impl_;
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  i.ws.next_layer().open(ep.protocol());
  if (slow) i.ws.next_layer().set_option(asio::socket_base::receive_buffer_size(4096));
  i.ws.next_layer().connect(ep);
  i.ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& r) {
    if (!origin.empty()) r.set(beast::http::field::origin, origin);
  }));
  websocket::response_type response;
  beast::error_code ec;
  i.ws.handshake(response, "127.0.0.1", target, ec);
  if (ec) throw std::runtime_error("websocket handshake failed: HTTP " + std::to_string(response.result_int()));
  i.ws.text(true);
  if (!slow) start_reading();
}

void WsClient::start_reading() {
  if (!impl_->reader.joinable()) impl_->reader = std::thread([&i = *impl_] { i.read_all(); });
}

WsClient::~WsClient() {
  beast::error_code ignored;
  impl_->ws.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  impl_->ws.next_layer().close(ignored);
  if (impl_->reader.joinable()) impl_->reader.join();
}

void WsClient::send(const std::string& text) {
  std::lock_guard l(impl_->write_mutex);
  beast::error_code ignored;
  impl_->ws.write(asio::buffer(text), ignored);
}

void WsClient::send(const boost::json::object& message) { send(boost::json::serialize(message)); }

std::optional<boost::json::object> WsClient::next(std::chrono::milliseconds timeout) {
  std::unique_lock l(impl_->mutex);
  impl_->changed.wait_for(l, timeout, [&] { return !impl_->messages.empty() || impl_->ended; });
  if (impl_->messages.empty()) return std::nullopt;
  std::string text = std::move(impl_->messages.front());
  impl_->messages.pop_front();
  l.unlock();
  return boost::json::parse(text).as_object();
}

std::optional<int> WsClient::closed(std::chrono::milliseconds timeout) {
  std::unique_lock l(impl_->mutex);
  impl_->changed.wait_for(l, timeout, [&] { return impl_->ended; });
  if (!impl_->ended) return std::nullopt;
  return impl_->close_code.value_or(-1);
}

}  // namespace keel::test
