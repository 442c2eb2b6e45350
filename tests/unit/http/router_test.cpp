#include "http/router.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "support/error_code_of.hpp"
#include "core/run_sync.hpp"

namespace keel::http {
namespace {

Handler answer(std::string text) {
  return [text](Request&, Context& ctx) -> Task<Response> {
    std::string body = text;
    for (const auto& [k, v] : ctx.params) body += " " + k + "=" + v;
    co_return Response::text(200, "text/plain", body);
  };
}

struct Call {
  Response res;
  Request req;
  Context ctx;
};

Call call(const Router& r, Method m, std::string path, std::string body = {}, std::string type = {}) {
  Call c;
  c.req.method = m;
  c.req.path = std::move(path);
  c.req.body = std::move(body);
  if (!type.empty()) c.req.headers.set("Content-Type", type);
  c.res = run_sync([&] { return r.dispatch(c.req, c.ctx); });
  return c;
}

using test::error_code_of;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add(Method::get, "/healthz", answer("health"));
    router.add(Method::get, "/api/users", answer("list"));
    router.add(Method::post, "/api/users", answer("create"));
    router.add(Method::get, "/api/users/:id", answer("get"));
    router.add(Method::delete_, "/api/users/:id", answer("delete"));
    router.add(Method::get, "/api/users/me", answer("me"));
    router.add(Method::get, "/api/projects/:project/tasks/:task", answer("task"));
  }
  Router router;
};

TEST_F(RouterTest, MatchesLiteralAndParameterSegments) {
  auto c = call(router, Method::get, "/api/v1/users/abc");
  EXPECT_EQ(c.res.body, "get id=abc");
  EXPECT_EQ(c.ctx.route, "/api/v1/users/:id");
  EXPECT_EQ(c.ctx.param("id"), "abc");
  EXPECT_EQ(call(router, Method::get, "/api/v1/projects/p1/tasks/t2").res.body, "task project=p1 task=t2");
}

TEST_F(RouterTest, ApiIsAnAliasOfTheNewestVersion) {
  EXPECT_EQ(call(router, Method::get, "/api/users").res.body, "list");
  EXPECT_EQ(call(router, Method::get, "/api/v1/users").res.body, "list");
  auto c = call(router, Method::get, "/api/users/42");
  EXPECT_EQ(c.ctx.route, "/api/v1/users/:id");
  EXPECT_EQ(Router::canonical_path("/api/x/y"), "/api/v1/x/y");
  EXPECT_EQ(Router::canonical_path("/api/v1/x"), "/api/v1/x");
  EXPECT_EQ(Router::canonical_path("/healthz"), "/healthz");
}

TEST_F(RouterTest, LiteralSegmentsWinOverParameters) {
  EXPECT_EQ(call(router, Method::get, "/api/users/me").res.body, "me");
}

TEST_F(RouterTest, PercentEncodedParametersAreDecoded) {
  EXPECT_EQ(call(router, Method::get, "/api/users/a%20b").res.body, "get id=a b");
  EXPECT_EQ(error_code_of([&] { call(router, Method::get, "/api/users/a%2"); }), ErrorCode::kValidation);
}

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  EXPECT_EQ(error_code_of([&] { call(router, Method::get, "/nope"); }), ErrorCode::kNotFound);
  EXPECT_EQ(error_code_of([&] { call(router, Method::get, "/api/users/1/extra"); }), ErrorCode::kNotFound);
  EXPECT_EQ(error_code_of([&] { call(router, Method::get, "/api/users/"); }), ErrorCode::kNotFound);
  EXPECT_EQ(error_code_of([&] { call(router, Method::get, "/healthz/"); }), ErrorCode::kNotFound);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  try {
    call(router, Method::put, "/api/users/1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kMethodNotAllowed);
    ASSERT_EQ(e.headers().size(), 1u);
    EXPECT_EQ(e.headers()[0].first, "Allow");
    EXPECT_EQ(e.headers()[0].second, "GET, DELETE, HEAD, OPTIONS");
  }
}

TEST_F(RouterTest, HeadIsServedByGetAndOptionsListsMethods) {
  EXPECT_EQ(call(router, Method::head, "/healthz").res.status, 200);
  auto c = call(router, Method::options, "/api/users");
  EXPECT_EQ(c.res.status, 204);
  EXPECT_EQ(c.res.headers.get("Allow").value_or(""), "GET, POST, HEAD, OPTIONS");
}

TEST_F(RouterTest, BodyRoutesParseJsonFirst) {
  auto c = call(router, Method::post, "/api/users", R"({"a":1})", "application/json");
  ASSERT_TRUE(c.req.json.has_value());
  EXPECT_EQ(c.req.json->as_object().at("a").as_int64(), 1);
  EXPECT_EQ(error_code_of([&] { call(router, Method::post, "/api/users", "a=1", "application/x-www-form-urlencoded"); }),
            ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(error_code_of([&] { call(router, Method::post, "/api/users", "{", "application/json"); }), ErrorCode::kInvalidJson);
}

TEST(Router, RejectsDuplicateAndMalformedRoutes) {
  Router r;
  r.add(Method::get, "/x", answer("x"));
  EXPECT_THROW(r.add(Method::get, "/x", answer("x")), std::invalid_argument);
  EXPECT_THROW(r.add(Method::get, "x", answer("x")), std::invalid_argument);
  EXPECT_THROW(r.add(Method::get, "/x/:", answer("x")), std::invalid_argument);
}

TEST_F(RouterTest, PreparesTheRequestBeforeMatching) {
  const auto dispatch = [&](std::string target) {
    Request req;
    req.method = Method::get;
    req.target = std::move(target);
    req.path = req.target.substr(0, req.target.find('?'));
    Context ctx;
    Response res = run_sync([&] { return router.dispatch(req, ctx); });
    return std::pair(std::move(res), std::move(req.query));
  };
  const auto [res, query] = dispatch("/api/users?status=todo&q=a%20b");
  EXPECT_EQ(res.body, "list");
  EXPECT_EQ(query.get("q").value_or(""), "a b");
  EXPECT_EQ(error_code_of([&] { dispatch("*"); }), ErrorCode::kBadRequest);
  EXPECT_EQ(error_code_of([&] { dispatch("http://example.com/api/users"); }), ErrorCode::kBadRequest);
  EXPECT_EQ(error_code_of([&] { dispatch("/api/users?x=%zz"); }), ErrorCode::kValidation);
}

TEST(Router, ListsItsRoutes) {
  Router r;
  r.add(Method::get, "/api/a", answer("a"));
  r.add(Method::post, "/api/a", answer("a"));
  const auto routes = r.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].pattern, "/api/v1/a");
  EXPECT_EQ(routes[1].method, Method::post);
}

}  // namespace
}  // namespace keel::http
