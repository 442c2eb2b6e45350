// Realtime load (issue 17): opens N WebSocket subscriptions on one keel, then measures how long
// one write takes to reach all of them. Used by bench/run.sh:
//
//   keel_realtime_bench PORT TOKEN PROJECT SOCKETS WRITES HOLD_SECONDS [TOKENS_FILE]
//
// Each socket signs in with TOKEN (or, given TOKENS_FILE, with its lines in turn: sockets of
// other users, who do not see TOKEN's writes; then use WRITES 0) and subscribes to tasks; sockets bind to 127.0.0.x source
// addresses from .2 on, 1,000 per address (keel's MAX_CONNECTIONS_PER_CLIENT is 1,024). Once all are subscribed it
// prints "subscribed N in S s", creates WRITES tasks in PROJECT one after the other (each waits
// until every socket got it), and prints the delivery latency over all sockets and writes
// (p50/p99/max, from the write's send to each arrival). Then it keeps the sockets open for
// HOLD_SECONDS (while the script measures RSS and write throughput) and exits.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Run {
  std::uint16_t port = 0;
  std::string token;
  std::vector<std::string> socket_tokens;  // one per socket in turn; empty: token
  std::string project;
  std::size_t sockets = 0;
  std::size_t subscribed = 0;
  std::size_t failed = 0;
  std::size_t writes = 0;
  Clock::time_point sent;
  std::size_t arrived = 0;  // of the current write
  std::vector<double> latencies_ms;
  bool done = false;
};

asio::awaitable<void> subscriber(Run& run, std::size_t i) {
  auto ex = co_await asio::this_coro::executor;
  websocket::stream<tcp::socket> ws(ex);
  try {
    auto& sock = ws.next_layer();
    sock.open(tcp::v4());
    // From 127.0.0.2 on: wrk's connections come from 127.0.0.1 and share its per-client cap.
    const std::string source = "127.0.0." + std::to_string(2 + i / 1000);
    sock.bind(tcp::endpoint(asio::ip::make_address(source), 0));
    co_await sock.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), run.port), asio::use_awaitable);
    co_await ws.async_handshake("127.0.0.1", "/api/realtime", asio::use_awaitable);
    ws.text(true);
    const std::string& token = run.socket_tokens.empty() ? run.token : run.socket_tokens[i % run.socket_tokens.size()];
    const std::string auth = R"({"type":"auth","token":")" + token + R"("})";
    co_await ws.async_write(asio::buffer(auth), asio::use_awaitable);
    const std::string sub = R"({"type":"subscribe","id":"s","resource":"tasks"})";
    co_await ws.async_write(asio::buffer(sub), asio::use_awaitable);
    beast::flat_buffer buffer;
    for (;;) {
      co_await ws.async_read(buffer, asio::use_awaitable);
      const std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      if (text.find(R"("type":"subscribed")") != std::string::npos) {
        ++run.subscribed;
      } else if (text.find(R"("type":"event")") != std::string::npos) {
        run.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - run.sent).count());
        ++run.arrived;
      } else if (text.find(R"("type":"error")") != std::string::npos) {
        std::fprintf(stderr, "socket %zu: %s\n", i, text.c_str());
      }
      if (run.done) break;
    }
  } catch (const std::exception& e) {
    if (!run.done) {
      ++run.failed;
      if (run.failed <= 3) std::fprintf(stderr, "socket %zu: %s\n", i, e.what());
    }
  }
}

asio::awaitable<void> create_task(Run& run, std::size_t n) {
  auto ex = co_await asio::this_coro::executor;
  tcp::socket sock(ex);
  co_await sock.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), run.port), asio::use_awaitable);
  beast::http::request<beast::http::string_body> req(beast::http::verb::post, "/api/tasks", 11);
  req.set(beast::http::field::host, "127.0.0.1");
  req.set(beast::http::field::authorization, "Bearer " + run.token);
  req.set(beast::http::field::content_type, "application/json");
  req.body() = R"({"title":"fan-out )" + std::to_string(n) + R"(","project":")" + run.project + R"("})";
  req.prepare_payload();
  run.arrived = 0;
  run.sent = Clock::now();
  co_await beast::http::async_write(sock, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  co_await beast::http::async_read(sock, buffer, res, asio::use_awaitable);
  if (res.result_int() != 201) std::fprintf(stderr, "POST /api/tasks: %d %s\n", res.result_int(), res.body().c_str());
}

asio::awaitable<void> drive(Run& run, int hold_seconds) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer wait(ex);
  const auto started = Clock::now();
  while (run.subscribed + run.failed < run.sockets && Clock::now() - started < std::chrono::seconds(120)) {
    wait.expires_after(std::chrono::milliseconds(50));
    co_await wait.async_wait(asio::use_awaitable);
  }
  std::printf("subscribed %zu of %zu in %.1f s (%zu failed)\n", run.subscribed, run.sockets,
              std::chrono::duration<double>(Clock::now() - started).count(), run.failed);
  std::fflush(stdout);
  for (std::size_t w = 0; w < run.writes; ++w) {
    co_await create_task(run, w);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (run.arrived < run.subscribed && Clock::now() < deadline) {
      wait.expires_after(std::chrono::milliseconds(1));
      co_await wait.async_wait(asio::use_awaitable);
    }
    if (run.arrived < run.subscribed) std::printf("write %zu: %zu of %zu arrived\n", w, run.arrived, run.subscribed);
  }
  auto& l = run.latencies_ms;
  std::sort(l.begin(), l.end());
  const auto at = [&](double q) { return l.empty() ? 0.0 : l[std::min(l.size() - 1, static_cast<std::size_t>(q * l.size()))]; };
  std::printf("delivery latency over %zu deliveries (%zu writes x %zu sockets): p50 %.1f ms  p99 %.1f ms  max %.1f ms\n",
              l.size(), run.writes, run.subscribed, at(0.5), at(0.99), l.empty() ? 0.0 : l.back());
  std::printf("holding\n");
  std::fflush(stdout);
  wait.expires_after(std::chrono::seconds(hold_seconds));
  co_await wait.async_wait(asio::use_awaitable);
  run.done = true;
  std::exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7 && argc != 8) {
    std::fprintf(stderr, "usage: %s PORT TOKEN PROJECT SOCKETS WRITES HOLD_SECONDS [TOKENS_FILE]\n", argv[0]);
    return 2;
  }
  Run run;
  run.port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  run.token = argv[2];
  run.project = argv[3];
  run.sockets = static_cast<std::size_t>(std::atol(argv[4]));
  run.writes = static_cast<std::size_t>(std::atol(argv[5]));
  const int hold = std::atoi(argv[6]);
  if (argc == 8) {
    std::ifstream in(argv[7]);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) run.socket_tokens.push_back(line);
    }
    if (run.socket_tokens.empty()) {
      std::fprintf(stderr, "%s: no tokens\n", argv[7]);
      return 2;
    }
  }
  asio::io_context io(1);
  for (std::size_t i = 0; i < run.sockets; ++i) asio::co_spawn(io, subscriber(run, i), asio::detached);
  asio::co_spawn(io, drive(run, hold), asio::detached);
  io.run();
  return 0;
}
