#include "resources/resource_routes.hpp"

#include <algorithm>

#include <boost/json/object.hpp>

#include "http/json_body.hpp"
#include "resources/resource_openapi.hpp"
#include "resources/resource_service.hpp"

namespace keel::resources {
namespace {

std::optional<std::string> header(const http::Request& req, std::string_view name) {
  if (auto v = req.headers.get(name)) return std::string(*v);
  return std::nullopt;
}

// The OpenAPI description of one operation on a resource: its bearer need follows the rule.
openapi::Operation doc_of(const Resource& r, Operation op, std::string summary) {
  openapi::Operation doc;
  doc.summary = std::move(summary);
  doc.tag = r.decl.name;
  const AccessRule& rule = r.decl.access.at(op);
  const bool open = std::find(rule.begin(), rule.end(), "public") != rule.end();
  doc.bearer = !open;
  doc.bearer_optional = open;
  return doc;
}

http::Response record_response(int status, Rendered record) {
  http::Response res = http::Response::json_text(status, std::move(record.json));
  res.headers.set("ETag", std::move(record.etag));
  return res;
}

}  // namespace

void add_routes(openapi::Routes& routes, ResourceService& service) {
  add_schemas(routes, service.model());
  for (const Resource& resource : service.model().resources()) {
    const Resource* r = &resource;
    const std::string collection = "/api/" + r->decl.name;
    const std::string item = collection + "/:id";
    const std::string& name = r->decl.name;

    openapi::Operation list_doc = doc_of(*r, Operation::kList, "List " + name + " (filters, sort, paging, fields, expand)");
    list_doc.response = name + ".list";
    list_doc.list = &r->catalog;
    list_doc.expandable = r->refs;
    openapi::Operation create_doc = doc_of(*r, Operation::kCreate, "Create a record of " + name);
    create_doc.request = name + ".create";
    create_doc.response = name;
    create_doc.status = 201;
    create_doc.errors = {409};
    openapi::Operation read_doc = doc_of(*r, Operation::kRead, "A record of " + name + " (ETag; If-None-Match answers 304)");
    read_doc.response = name;
    read_doc.errors = {304};
    openapi::Operation update_doc = doc_of(*r, Operation::kUpdate, "Change fields of a record of " + name + " (partial; If-Match)");
    update_doc.request = name + ".update";
    update_doc.response = name;
    update_doc.errors = {409, 412};
    openapi::Operation delete_doc = doc_of(*r, Operation::kDelete, "Delete a record of " + name + " (If-Match; onDelete rules apply)");
    delete_doc.status = 204;
    delete_doc.errors = {409, 412};

    routes.add(http::Method::get, collection, [&service, r](http::Request& req, http::Context& ctx) -> Task<http::Response> {
      std::optional<Principal> caller = ctx.caller.optional();
      std::vector<std::pair<std::string, std::string>> params(req.query.begin(), req.query.end());
      RenderedList page = co_await service.list(*r, std::move(caller), std::move(params));
      co_return http::Response::json_text(200, std::move(page.json));
    }, list_doc);

    routes.add(http::Method::post, collection, [&service, r](http::Request& req, http::Context& ctx) -> Task<http::Response> {
      std::optional<Principal> caller = ctx.caller.optional();
      boost::json::object body = http::require_json_object(req);
      Rendered record = co_await service.create(*r, std::move(caller), std::move(body));
      std::string location = "/api/v1/" + r->decl.name + "/" + record.id;
      http::Response res = record_response(201, std::move(record));
      res.headers.set("Location", std::move(location));
      co_return res;
    }, create_doc);

    routes.add(http::Method::get, item, [&service, r](http::Request& req, http::Context& ctx) -> Task<http::Response> {
      std::optional<Principal> caller = ctx.caller.optional();
      std::string id(ctx.param("id"));
      Rendered record = co_await service.get(*r, std::move(caller), std::move(id));
      if (auto none_match = req.headers.get("If-None-Match"); none_match && etag_matches(*none_match, record.etag)) {
        http::Response res = http::Response::empty(304);
        res.headers.set("ETag", std::move(record.etag));
        co_return res;
      }
      co_return record_response(200, std::move(record));
    }, read_doc);

    auto update = [&service, r](http::Request& req, http::Context& ctx) -> Task<http::Response> {
      std::optional<Principal> caller = ctx.caller.optional();
      boost::json::object body = http::require_json_object(req);
      std::string id(ctx.param("id"));
      std::optional<std::string> if_match = header(req, "If-Match");
      Rendered record = co_await service.update(*r, std::move(caller), std::move(id), std::move(body), std::move(if_match));
      co_return record_response(200, std::move(record));
    };
    routes.add(http::Method::put, item, update, update_doc);
    routes.add(http::Method::patch, item, update, update_doc);

    routes.add(http::Method::delete_, item, [&service, r](http::Request& req, http::Context& ctx) -> Task<http::Response> {
      std::optional<Principal> caller = ctx.caller.optional();
      std::string id(ctx.param("id"));
      std::optional<std::string> if_match = header(req, "If-Match");
      co_await service.remove(*r, std::move(caller), std::move(id), std::move(if_match));
      co_return http::Response::empty(204);
    }, delete_doc);
  }
}

}  // namespace keel::resources
