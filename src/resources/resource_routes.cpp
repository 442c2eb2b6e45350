#include "resources/resource_routes.hpp"

#include <boost/json/object.hpp>

#include "auth/auth_middleware.hpp"
#include "http/json_body.hpp"
#include "resources/resource_service.hpp"

namespace keel::resources {
namespace {

// A request with a token that did not verify is refused, even where the rule is public:
// the client meant to be somebody and should learn the token is bad.
std::optional<http::Principal> caller_of(const http::Context& ctx) {
  if (!ctx.principal && ctx.auth_failure) auth::authenticated(ctx);  // throws the token's 401
  return ctx.principal;
}

std::optional<std::string> header(const http::Request& req, std::string_view name) {
  if (auto v = req.headers.get(name)) return std::string(*v);
  return std::nullopt;
}

http::Response record_response(int status, Rendered record) {
  http::Response res = http::Response::json_text(status, std::move(record.json));
  res.headers.set("ETag", std::move(record.etag));
  return res;
}

}  // namespace

void add_routes(http::Router& router, ResourceService& service) {
  for (const Resource& resource : service.model().resources()) {
    const Resource* r = &resource;
    const std::string collection = "/api/" + r->decl.name;
    const std::string item = collection + "/:id";

    router.add(http::Method::kGet, collection, [&service, r](http::Request& req, http::Context& ctx) -> Task<http::Response> {
      std::optional<http::Principal> caller = caller_of(ctx);
      std::vector<std::pair<std::string, std::string>> params(req.query.begin(), req.query.end());
      RenderedList page = co_await service.list(*r, std::move(caller), std::move(params));
      co_return http::Response::json_text(200, std::move(page.json));
    });

    router.add(http::Method::kPost, collection, [&service, r](http::Request&, http::Context& ctx) -> Task<http::Response> {
      std::optional<http::Principal> caller = caller_of(ctx);
      boost::json::object body = http::require_json_object(ctx);
      Rendered record = co_await service.create(*r, std::move(caller), std::move(body));
      std::string location = "/api/v1/" + r->decl.name + "/" + record.id;
      http::Response res = record_response(201, std::move(record));
      res.headers.set("Location", std::move(location));
      co_return res;
    });

    router.add(http::Method::kGet, item, [&service, r](http::Request& req, http::Context& ctx) -> Task<http::Response> {
      std::optional<http::Principal> caller = caller_of(ctx);
      std::string id(ctx.param("id"));
      Rendered record = co_await service.get(*r, std::move(caller), std::move(id));
      if (auto none_match = req.headers.get("If-None-Match"); none_match && etag_matches(*none_match, record.etag)) {
        http::Response res = http::Response::empty(304);
        res.headers.set("ETag", std::move(record.etag));
        co_return res;
      }
      co_return record_response(200, std::move(record));
    });

    auto update = [&service, r](http::Request& req, http::Context& ctx) -> Task<http::Response> {
      std::optional<http::Principal> caller = caller_of(ctx);
      boost::json::object body = http::require_json_object(ctx);
      std::string id(ctx.param("id"));
      std::optional<std::string> if_match = header(req, "If-Match");
      Rendered record = co_await service.update(*r, std::move(caller), std::move(id), std::move(body), std::move(if_match));
      co_return record_response(200, std::move(record));
    };
    router.add(http::Method::kPut, item, update);
    router.add(http::Method::kPatch, item, update);

    router.add(http::Method::kDelete, item, [&service, r](http::Request& req, http::Context& ctx) -> Task<http::Response> {
      std::optional<http::Principal> caller = caller_of(ctx);
      std::string id(ctx.param("id"));
      std::optional<std::string> if_match = header(req, "If-Match");
      co_await service.remove(*r, std::move(caller), std::move(id), std::move(if_match));
      co_return http::Response::empty(204);
    });
  }
}

}  // namespace keel::resources
