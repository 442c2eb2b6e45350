#include "http/wire.hpp"

#include <gtest/gtest.h>

namespace keel::http {
namespace {

TEST(Wire, SerialisesStatusHeadersAndFraming) {
  Response res = Response::json_text(201, R"({"a":1})");
  res.headers.set("Location", "/api/v1/tasks/1");
  const std::string head = serialize_head(res, {.keep_alive = true, .date = "Tue, 24 Nov 2026 09:00:00 GMT",
                                                .request_id = "rid-1"});
  EXPECT_EQ(head.rfind("HTTP/1.1 201 Created\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Type: application/json; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(head.find("Location: /api/v1/tasks/1\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Request-Id: rid-1\r\n"), std::string::npos);
  EXPECT_NE(head.find("Date: Tue, 24 Nov 2026 09:00:00 GMT\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Length: 7\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_EQ(head.find("Connection:"), std::string::npos) << "keep-alive is HTTP/1.1's default";
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
}

TEST(Wire, ConnectionHeaderOnlyWhenNeeded) {
  const Response res = Response::empty(200);
  EXPECT_NE(serialize_head(res, {.keep_alive = false}).find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(serialize_head(res, {.keep_alive = true, .http10 = true}).find("Connection: keep-alive\r\n"),
            std::string::npos);
}

TEST(Wire, NoContentLengthForBodilessStatuses) {
  for (int status : {204, 304}) {
    EXPECT_EQ(serialize_head(Response::empty(status), {}).find("Content-Length"), std::string::npos) << status;
  }
  EXPECT_NE(serialize_head(Response::empty(200), {}).find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(Wire, LineBreaksCannotSplitTheResponse) {
  Response res = Response::empty(200);
  res.headers.set("X-Evil", "a\r\nSet-Cookie: stolen=1");
  res.headers.set("X-Bad\r\nName", "x");
  res.headers.set("X-Fine", "ok");
  const std::string head = serialize_head(res, {.request_id = "bad\r\nid"});
  EXPECT_EQ(head.find("\r\nSet-Cookie"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Evil: aSet-Cookie: stolen=1\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Bad"), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Request-Id"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Fine: ok\r\n"), std::string::npos);
}

TEST(Wire, StatusLinesCarryTheStandardReason) {
  EXPECT_EQ(serialize_head(Response::empty(404), {}).rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
  EXPECT_EQ(serialize_head(Response::empty(431), {}).rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u);
  EXPECT_EQ(serialize_head(Response::empty(599), {}).rfind("HTTP/1.1 599 ", 0), 0u) << "a code with no reason";
}

}  // namespace
}  // namespace keel::http
