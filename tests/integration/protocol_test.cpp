// Transport limits and protocol abuse over raw sockets: each limit of issue 3 §2.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "integration/test_routes.hpp"
#include "support/expect.hpp"
#include "support/test_server.hpp"

namespace keel::test {
namespace {

using namespace std::chrono_literals;

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

void small_limits(app::Config& c) {
  c.max_body_bytes = 1024;
  c.header_timeout = 500ms;
  c.body_timeout = 500ms;
  c.idle_timeout = 2s;
}

TEST(Protocol, OversizedBodyWithContentLengthIs413) {
  TestServer server(small_limits, add_test_routes);
  RawConnection c(server.port());
  c.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n");
  c.send(std::string(5000, ' '));
  const HttpResponse res = c.read_response(2s);
  expect_error(res, 413, "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(res.header("Connection"), "close");
}

TEST(Protocol, OversizedChunkedBodyIs413) {
  TestServer server(small_limits, add_test_routes);
  RawConnection c(server.port());
  c.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string chunk(600, ' ');
  for (int i = 0; i < 4; ++i) c.send("258\r\n" + chunk + "\r\n");  // 0x258 = 600 bytes each
  c.send("0\r\n\r\n");
  expect_error(c.read_response(2s), 413, "PAYLOAD_TOO_LARGE");
}

TEST(Protocol, ChunkedBodyWithinTheLimitIsServed) {
  TestServer server(small_limits, add_test_routes);
  RawConnection c(server.port());
  c.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
         "4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n");
  const HttpResponse res = c.read_response(2s);
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, R"({"a":1})");
}

TEST(Protocol, Expect100ContinueGetsAnInterimAnswer) {
  TestServer server(small_limits, add_test_routes);
  RawConnection c(server.port());
  c.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
         "Expect: 100-continue\r\n\r\n");
  const std::string interim = c.read_all(300ms);
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue", 0), 0u) << interim;
  c.send(R"({"a":1})");
  EXPECT_EQ(c.read_response(2s).status, 201);
}

TEST(Protocol, OversizedHeadersAre431WithTheErrorBody) {
  TestServer server;
  RawConnection c(server.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: big-headers\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n\r\n");
  const HttpResponse res = c.read_response(2s);
  expect_error(res, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE");
}

TEST(Protocol, HeadersJustUnderTheLimitAreServed) {
  TestServer server;
  RawConnection c(server.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(15 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(c.read_response(2s).status, 200);
}

TEST(Protocol, MalformedRequestLineIs400WithRequestIdAndBody) {
  TestServer server;
  for (const std::string bad : {"GARBAGE\r\n\r\n", "GET /healthz HTTP/9.9\r\n\r\n", "GET  HTTP/1.1\r\n\r\n",
                                "GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n"}) {
    SCOPED_TRACE(bad);
    RawConnection c(server.port());
    c.send(bad);
    const HttpResponse res = c.read_response(2s);
    expect_error(res, 400, "BAD_REQUEST");
    EXPECT_TRUE(c.closed_within(3s));
  }
  // The server is unharmed.
  EXPECT_EQ(server.client().get("/healthz").status, 200);
}

TEST(Protocol, AbsoluteFormTargetIsRefused) {
  TestServer server;
  RawConnection c(server.port());
  c.send("GET http://example.com/healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_error(c.read_response(2s), 400, "BAD_REQUEST");
}

TEST(Protocol, PipelinedRequestsAreAnsweredInOrder) {
  TestServer server({}, add_test_routes);
  RawConnection c(server.port());
  std::string batch;
  for (int i = 0; i < 20; ++i) {
    batch += "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: p" + std::to_string(i) + "\r\n\r\n";
    batch += "GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: n" + std::to_string(i) + "\r\n\r\n";
  }
  batch += "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"z\":42}";
  c.send(batch);
  std::vector<HttpResponse> responses;
  while (responses.size() < 41) {
    HttpResponse r = c.read_response(3s);
    ASSERT_NE(r.status, 0) << "after " << responses.size() << " responses";
    responses.push_back(std::move(r));
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(responses[2 * i].status, 200);
    EXPECT_EQ(responses[2 * i].header("X-Request-Id"), "p" + std::to_string(i));
    EXPECT_EQ(responses[2 * i + 1].status, 404);
    EXPECT_EQ(responses[2 * i + 1].header("X-Request-Id"), "n" + std::to_string(i));
  }
  EXPECT_EQ(responses[40].body, R"({"z":42})");
}

TEST(Protocol, KeepAliveServesManyRequestsOnOneConnection) {
  TestServer server;
  HttpClient client = server.client();
  for (int i = 0; i < 200; ++i) ASSERT_EQ(client.get("/healthz").status, 200);
  const std::string metrics = client.get("/metrics").body;
  EXPECT_NE(metrics.find("keel_http_connections_open 1\n"), std::string::npos) << "one connection served them all";
}

TEST(Protocol, ConnectionCloseIsHonoured) {
  TestServer server;
  RawConnection c(server.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const HttpResponse res = c.read_response(2s);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Connection"), "close");
  EXPECT_TRUE(c.closed_within(3s));
}

TEST(Protocol, StalledClientIsDroppedAndNeverDelaysOthers) {
  TestServer server(small_limits);
  RawConnection stalled_header(server.port());
  stalled_header.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");  // never finishes
  RawConnection stalled_body(server.port());
  stalled_body.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
  RawConnection silent(server.port());  // connects, sends nothing

  // Meanwhile others are served at full speed.
  HttpClient client = server.client();
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) ASSERT_EQ(client.get("/healthz").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 400ms);

  // Each stalled connection is closed once its timeout (500 ms) passes.
  EXPECT_TRUE(stalled_header.closed_within(3s));
  EXPECT_TRUE(stalled_body.closed_within(3s));
  EXPECT_TRUE(silent.closed_within(3s));
  EXPECT_EQ(client.get("/healthz").status, 200);
}

TEST(Protocol, IdleKeepAliveConnectionsAreClosedAfterTheIdleTimeout) {
  TestServer server([](app::Config& c) { c.idle_timeout = 300ms; });
  RawConnection c(server.port());
  c.send(kHealthz);
  EXPECT_EQ(c.read_response(2s).status, 200);
  EXPECT_TRUE(c.closed_within(2s));
}

TEST(Protocol, FiveHundredConcurrentConnectionsAllGetTheirOwnAnswer) {
  TestServer server({}, add_test_routes);
  constexpr int kConnections = 500;
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < kConnections; ++i) conns.push_back(std::make_unique<RawConnection>(server.port()));
  // All open at once, then every one sends, then every one reads its own answer.
  for (int i = 0; i < kConnections; ++i) {
    ASSERT_TRUE(conns[i]->send("GET /api/slow?ms=50 HTTP/1.1\r\nHost: x\r\nX-Request-Id: c" + std::to_string(i) +
                               "\r\n\r\n"));
  }
  int ok = 0;
  for (int i = 0; i < kConnections; ++i) {
    const HttpResponse res = conns[i]->read_response(10s);
    if (res.status == 200 && res.header("X-Request-Id") == "c" + std::to_string(i)) ++ok;
  }
  EXPECT_EQ(ok, kConnections);
}

TEST(Protocol, ConnectionsPastTheCapGet503AndOthersAreUnaffected) {
  TestServer server([](app::Config& c) { c.max_connections = 3; });
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConnection>(server.port()));
    held.back()->send(kHealthz);
    ASSERT_EQ(held.back()->read_response(2s).status, 200);
  }
  RawConnection extra(server.port());
  const HttpResponse res = extra.read_response(2s);
  expect_error(res, 503, "SERVICE_UNAVAILABLE");
  EXPECT_EQ(res.header("Retry-After"), "1");
  // The held connections still work.
  for (auto& c : held) {
    c->send(kHealthz);
    EXPECT_EQ(c->read_response(2s).status, 200);
  }
}

TEST(Protocol, GracefulShutdownFinishesInFlightRequestsAndClosesIdleOnes) {
  TestServer server({}, add_test_routes);
  RawConnection idle(server.port());
  idle.send(kHealthz);
  ASSERT_EQ(idle.read_response(2s).status, 200);

  RawConnection busy(server.port());
  busy.send("GET /api/slow?ms=700 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(100ms);  // the request is in flight

  const auto started = std::chrono::steady_clock::now();
  std::thread stopper([&] { server.stop(); });
  const HttpResponse res = busy.read_response(5s);
  EXPECT_EQ(res.status, 200) << "the in-flight request completes";
  EXPECT_EQ(res.body, R"({"slept":true})");
  EXPECT_EQ(res.header("Connection"), "close");
  EXPECT_TRUE(idle.closed_within(2s)) << "idle keep-alive connections are closed";
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);

  // No new connections are accepted.
  EXPECT_THROW(RawConnection late(server.port()), std::runtime_error);
}

TEST(Protocol, ShutdownDoesNotWaitPastItsTimeout) {
  TestServer server([](app::Config& c) { c.shutdown_timeout = 300ms; }, add_test_routes);
  RawConnection busy(server.port());
  busy.send("GET /api/slow?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(100ms);
  const auto started = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

}  // namespace
}  // namespace keel::test
