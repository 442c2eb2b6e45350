#include "openapi/openapi_document.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "lists/list_query.hpp"

namespace keel::openapi {
namespace {

namespace json = boost::json;

// The schemas every feature refers to (API.md §2, §6); each feature registers its own.
constexpr std::string_view kCoreSchemas = R"json({
  "Error": {
    "type": "object", "required": ["error"], "additionalProperties": false,
    "properties": {"error": {
      "type": "object", "required": ["code", "message", "requestId"], "additionalProperties": false,
      "properties": {
        "code": {"type": "string", "enum": ["BAD_REQUEST", "INVALID_JSON", "VALIDATION_ERROR", "UNAUTHORIZED",
          "TOKEN_EXPIRED", "INVALID_CREDENTIALS", "FORBIDDEN", "NOT_FOUND", "METHOD_NOT_ALLOWED", "CONFLICT",
          "PRECONDITION_FAILED", "PAYLOAD_TOO_LARGE", "HEADERS_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "RATE_LIMITED",
          "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"]},
        "message": {"type": "string"},
        "details": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "field (or query parameter) name -> what is wrong with it"},
        "requestId": {"type": "string"}}}},
    "example": {"error": {"code": "VALIDATION_ERROR", "message": "The request is not valid",
                          "details": {"email": "must be a valid email address"}, "requestId": "01936d3c-0c4e-7a61-9f3e-2b1d5c8e4f70"}}
  },
  "ListMeta": {
    "type": "object", "required": ["limit", "nextCursor"], "additionalProperties": false,
    "properties": {
      "limit": {"type": "integer"}, "page": {"type": "integer"}, "total": {"type": "integer"},
      "totalPages": {"type": "integer"}, "nextCursor": {"type": ["string", "null"]}},
    "description": "page, total and totalPages with offset paging (total and totalPages left out with total=false); limit and nextCursor only with cursor"
  },
  "OpenApiDocument": {"type": "object", "required": ["openapi", "info", "paths"]}
})json";

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No content";
    case 304: return "Not modified: the If-None-Match tag is current";
    case 400: return "The HTTP request is malformed (BAD_REQUEST), or the body or a query parameter is not valid (details name each)";
    case 401: return "Missing, malformed, expired or revoked token, or wrong credentials";
    case 403: return "The caller's role or the access rules do not allow this";
    case 404: return "No such route or record (also for records the caller may not read)";
    case 409: return "Conflict: a unique field is taken, or the record is still referenced";
    case 412: return "If-Match does not match the record's current ETag";
    case 413: return "The body is over MAX_BODY_BYTES";
    case 415: return "The body is not JSON";
    case 431: return "The request line and headers are over 16 KiB (HEADERS_TOO_LARGE)";
    case 429: return "Rate limited (Retry-After says when to come back)";
    default: return "";
  }
}

json::object json_content(json::object schema) {
  return {{"application/json", json::object{{"schema", std::move(schema)}}}};
}

// "/api/v1/tasks/:id" -> "/api/v1/tasks/{id}"
std::string openapi_path(const std::string& pattern) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == ':' && (i == 0 || pattern[i - 1] == '/')) {
      const auto end = pattern.find('/', i);
      // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on "{" + std::string + "}".
      out.push_back('{');
      out.append(pattern, i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
      out.push_back('}');
      i = end == std::string::npos ? pattern.size() : end;
    } else {
      out.push_back(pattern[i++]);
    }
  }
  return out;
}

std::vector<std::string> path_params(const std::string& pattern) {
  std::vector<std::string> out;
  for (std::size_t i = pattern.find("/:"); i != std::string::npos; i = pattern.find("/:", i + 1)) {
    const auto end = pattern.find('/', i + 1);
    out.push_back(pattern.substr(i + 2, end == std::string::npos ? std::string::npos : end - i - 2));
  }
  return out;
}

// ---- list parameters -----------------------------------------------------------------------

json::object value_schema(const lists::Column& c) {
  switch (c.kind) {
    case lists::Kind::kInteger: return {{"type", "integer"}};
    case lists::Kind::kNumber: return {{"type", "number"}};
    case lists::Kind::kBoolean: return {{"type", "boolean"}};
    case lists::Kind::kDatetime: return {{"type", "string"}, {"format", "date-time"}};
    case lists::Kind::kUuid: return {{"type", "string"}, {"format", "uuid"}};
    case lists::Kind::kJson: return {{"type", "string"}};
    case lists::Kind::kText: {
      if (c.values.empty()) return {{"type", "string"}};
      json::array values;
      for (const auto& v : c.values) values.emplace_back(v);
      return {{"type", "string"}, {"enum", std::move(values)}};
    }
  }
  return {{"type", "string"}};
}

json::object query_param(std::string name, json::object schema, std::string description) {
  return {{"name", std::move(name)}, {"in", "query"}, {"required", false}, {"schema", std::move(schema)},
          {"description", std::move(description)}};
}

std::string alternatives(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "|") + n;
  return out;
}

void add_list_params(const Operation& doc, json::array& params) {
  const lists::Catalog& catalog = *doc.list;
  std::vector<std::string> sortable, all;
  for (const auto& c : catalog.columns) {
    all.push_back(c.name);
    if (c.kind != lists::Kind::kJson) sortable.push_back(c.name);
    for (const auto& [op_name, op] : lists::operators()) {
      if (!lists::operator_problem(c, op).empty()) continue;
      const std::string name = op == lists::Op::kEq ? c.name : c.name + "[" + std::string(op_name) + "]";
      if (op == lists::Op::kEq && c.kind == lists::Kind::kJson) continue;  // json: exists only
      json::object schema = value_schema(c);
      std::string what = fmt::format("{} {}", c.name, op_name);
      if (op == lists::Op::kIn || op == lists::Op::kNin) {
        schema = {{"type", "string"}};
        what = fmt::format("{} {} a comma-separated list (at most 100)", c.name, op == lists::Op::kIn ? "in" : "not in");
      } else if (op == lists::Op::kExists) {
        schema = {{"type", "boolean"}};
        what = fmt::format("{} is (true) or is not (false) null", c.name);
      } else if (op == lists::Op::kContains || op == lists::Op::kStartsWith) {
        schema = {{"type", "string"}};
        what = fmt::format("{} {} the text, ignoring case; % and _ mean themselves", c.name,
                           op == lists::Op::kContains ? "contains" : "starts with");
      } else if (op == lists::Op::kEq) {
        what = fmt::format("{} equals", c.name);
      }
      params.push_back(query_param(name, std::move(schema), std::move(what)));
    }
  }
  const std::string s = alternatives(sortable);
  params.push_back(query_param("sort", {{"type", "string"}, {"pattern", "^-?(" + s + ")(,-?(" + s + "))*$"}},
                               "comma-separated fields, '-' for descending; ties broken by id"));
  params.push_back(query_param("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 20}},
                               "records per page"));
  params.push_back(query_param("page", {{"type", "integer"}, {"minimum", 1}}, "1-based page (offset paging); not with cursor"));
  params.push_back(query_param("cursor", {{"type", "string"}}, "meta.nextCursor of the previous page (keyset paging)"));
  params.push_back(query_param("total", {{"type", "boolean"}, {"default", true}},
                               "false: an offset page's meta leaves out total and totalPages (no count is run)"));
  const std::string f = alternatives(all);
  params.push_back(query_param("fields", {{"type", "string"}, {"pattern", "^(" + f + ")(,(" + f + "))*$"}},
                               "return only these fields (and id)"));
  if (!doc.expandable.empty()) {
    const std::string e = alternatives(doc.expandable);
    params.push_back(query_param("expand", {{"type", "string"}, {"pattern", "^(" + e + ")(,(" + e + "))*$"}},
                                 "replace these refs' ids with the records (those the caller may read)"));
  }
}

// ---- operations --------------------------------------------------------------------------------

std::string lower_method(http::Method m) {
  std::string out(to_string(m));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string operation_id(http::Method method, const std::string& pattern) {
  std::string out = lower_method(method);
  bool upper = true;
  for (char c : pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
      upper = false;
    } else {
      upper = true;
    }
  }
  return out;
}

json::object operation(const DocumentedRoute& route) {
  const Operation& doc = route.operation;
  json::object op{{"operationId", operation_id(route.method, route.pattern)}, {"summary", doc.summary}};
  if (!doc.tag.empty()) op["tags"] = json::array{doc.tag};

  const std::vector<std::string> in_path = path_params(route.pattern);
  json::array params;
  for (const auto& p : in_path) {
    json::object schema{{"type", "string"}};
    if (p == "id") schema["format"] = "uuid";
    params.push_back(json::object{{"name", p}, {"in", "path"}, {"required", true}, {"schema", std::move(schema)}});
  }
  const bool conditional_read = route.method == http::Method::get && !in_path.empty() &&
                                std::find(doc.errors.begin(), doc.errors.end(), 304) != doc.errors.end();
  if (conditional_read) {
    params.push_back(json::object{{"name", "If-None-Match"}, {"in", "header"}, {"required", false},
                                  {"schema", json::object{{"type", "string"}}}});
  }
  if (std::find(doc.errors.begin(), doc.errors.end(), 412) != doc.errors.end()) {
    params.push_back(json::object{{"name", "If-Match"}, {"in", "header"}, {"required", false},
                                  {"schema", json::object{{"type", "string"}}}});
  }
  if (doc.list) add_list_params(doc, params);
  for (const auto& p : doc.parameters) params.push_back(p);
  if (!params.empty()) op["parameters"] = std::move(params);

  if (!doc.request.empty()) {
    op["requestBody"] = json::object{{"required", !doc.request_optional}, {"content", json_content(schema_ref(doc.request))}};
  }

  json::object responses;
  json::object success{{"description", reason(doc.status)}};
  if (!doc.response.empty()) {
    success["content"] = json::object{{doc.response_type, json::object{{"schema", schema_ref(doc.response)}}}};
  }
  if (route.method == http::Method::get && conditional_read) {
    success["headers"] = json::object{{"ETag", json::object{{"schema", json::object{{"type", "string"}}}}}};
  }
  if (doc.status == 201) {
    success["headers"] = json::object{{"Location", json::object{{"schema", json::object{{"type", "string"}}}}},
                                      {"ETag", json::object{{"schema", json::object{{"type", "string"}}}}}};
  }
  responses[std::to_string(doc.status)] = std::move(success);

  // The error statuses every such route can answer, plus the ones its doc names.
  std::set<int> errors(doc.errors.begin(), doc.errors.end());
  // The transport's own answers reach every route: malformed HTTP (400 BAD_REQUEST), headers
  // over 16 KiB (431 HEADERS_TOO_LARGE), a body over MAX_BODY_BYTES (413).
  errors.insert({400, 413, 431});
  if (doc.bearer || doc.bearer_optional) errors.insert(401);
  if (doc.bearer) errors.insert(403);
  if (!doc.request.empty()) errors.insert({400, 413, 415});
  if (doc.list) errors.insert(400);
  if (!in_path.empty()) errors.insert(404);
  for (int status : errors) {
    if (status == 304) {
      responses["304"] = json::object{{"description", reason(304)}};
      continue;
    }
    json::object schema = schema_ref("Error");
    if (!doc.error_response.empty()) {
      schema = json::object{{"anyOf", json::array{schema_ref("Error"), schema_ref(doc.error_response)}}};
    }
    responses[std::to_string(status)] = json::object{{"description", reason(status)}, {"content", json_content(schema)}};
  }
  responses["5XX"] = json::object{{"description", "Server error, or a dependency is down (503, Retry-After)"},
                                  {"content", json_content(schema_ref("Error"))}};
  op["responses"] = std::move(responses);

  if (doc.bearer) {
    op["security"] = json::array{json::object{{"bearerAuth", json::array{}}}};
  } else if (doc.bearer_optional) {
    op["security"] = json::array{json::object{}, json::object{{"bearerAuth", json::array{}}}};
  } else {
    op["security"] = json::array{};  // said explicitly: no token taken
  }
  return op;
}

}  // namespace

json::object build_document(const Registry& registry) {
  json::object schemas = json::parse(kCoreSchemas).as_object();
  schemas["EmailInput"] = email_input_schema();
  schemas["NameInput"] = name_input_schema();
  for (const auto& [name, schema] : registry.schemas()) schemas[name] = schema;

  json::object paths;
  std::set<std::string> tags;
  for (const DocumentedRoute& route : registry.operations()) {
    json::value& item = paths[openapi_path(route.pattern)];
    if (!item.is_object()) item.emplace_object();
    item.as_object()[lower_method(route.method)] = operation(route);
    if (!route.operation.tag.empty()) tags.insert(route.operation.tag);
  }
  json::array tag_list;
  for (const auto& t : tags) tag_list.push_back(json::object{{"name", t}});

  return {{"openapi", "3.1.0"},
          {"info", json::object{{"title", "keel API"},
                                {"version", KEEL_VERSION},
                                {"description", "Accounts, users and roles, and the resources the resources file "
                                                "declares, as a JSON REST API. Every route is under /api/v1; "
                                                "/api is an alias of the newest version. Live changes: "
                                                "GET /api/v1/realtime upgrades to a WebSocket of subscriptions "
                                                "(not an HTTP operation, so not in paths; docs/realtime.md)."},
                                {"license", json::object{{"name", "Proprietary"}, {"identifier", "LicenseRef-keel"}}}}},
          {"servers", json::array{json::object{{"url", "/"}}}},
          {"tags", std::move(tag_list)},
          {"paths", std::move(paths)},
          {"components", json::object{{"schemas", std::move(schemas)},
                                      {"securitySchemes", json::object{{"bearerAuth", json::object{{"type", "http"},
                                                                                                   {"scheme", "bearer"},
                                                                                                   {"bearerFormat", "JWT"}}}}}}}};
}

void add_routes(Routes& routes, const std::string& document) {
  routes.add(http::Method::get, "/api/openapi.json",
             [&document](http::Request&, http::Context&) -> Task<http::Response> {
               co_return http::Response::json_text(200, document);
             },
             {.summary = "This document (OpenAPI 3.1)", .tag = "operations", .response = "OpenApiDocument"});
}

}  // namespace keel::openapi
