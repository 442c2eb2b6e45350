#include "resources/resource_openapi.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "resources/resource_model.hpp"

namespace keel::resources {
namespace {

namespace json = boost::json;

void add_null(json::object& schema) {
  if (auto* type = schema.if_contains("type"); type && type->is_string()) {
    *type = json::array{*type, "null"};
  } else if (auto* t = schema.if_contains("type"); t && t->is_array()) {
    t->as_array().emplace_back("null");
  }
  if (auto* values = schema.if_contains("enum")) values->as_array().emplace_back(nullptr);
}

// What a field holds in a record (`input` false) or may be sent as in a body (`input` true):
// they differ only for email, which the server trims before checking.
json::object field_schema(const FieldDecl& f, bool input) {
  json::object s;
  switch (f.type) {
    case FieldType::kString:
    case FieldType::kText: s["type"] = "string"; break;
    case FieldType::kEmail:
      if (input) {
        s = openapi::email_input_schema();
        s.erase("examples");
      } else {
        s = {{"type", "string"}, {"format", "email"}};
      }
      break;
    case FieldType::kUrl: s = {{"type", "string"}, {"format", "uri"}}; break;
    case FieldType::kInteger: s = {{"type", "integer"}, {"format", "int64"}}; break;
    case FieldType::kNumber: s = {{"type", "number"}, {"format", "double"}}; break;
    case FieldType::kBoolean: s["type"] = "boolean"; break;
    case FieldType::kDatetime: s = {{"type", "string"}, {"format", "date-time"}}; break;
    case FieldType::kRef:
      s = {{"type", "string"}, {"format", "uuid"}, {"description", "the id of a " + f.ref_resource + " record"}};
      break;
    case FieldType::kJson: s["type"] = json::array{"object", "array"}; break;
    case FieldType::kEnum: {
      json::array values;
      for (const auto& v : f.values) values.emplace_back(v);
      s = {{"type", "string"}, {"enum", std::move(values)}};
      break;
    }
  }
  // Bounds are kept as doubles; whole ones are written as integers (1, not 1E0).
  auto bound = [](double v) -> json::value {
    if (v == static_cast<double>(static_cast<std::int64_t>(v))) return static_cast<std::int64_t>(v);
    return v;
  };
  if (f.min) s["minimum"] = bound(*f.min);
  if (f.max) s["maximum"] = bound(*f.max);
  if (f.min_length) s["minLength"] = *f.min_length;
  // `required` text is also non-empty (API.md §5), so the schema says so.
  const bool text_like = f.type == FieldType::kString || f.type == FieldType::kText || f.type == FieldType::kEmail ||
                         f.type == FieldType::kUrl;
  if (f.required && text_like && f.min_length.value_or(0) < 1) s["minLength"] = 1;
  if (f.max_length) s["maxLength"] = *f.max_length;
  if (f.pattern) {
    if (auto* email = s.if_contains("pattern")) {  // both must match: one schema holds one pattern
      json::array both{json::object{{"pattern", *email}}, json::object{{"pattern", *f.pattern}}};
      s.erase("pattern");
      s["allOf"] = std::move(both);
    } else {
      s["pattern"] = *f.pattern;
    }
  }
  if (f.default_value) s["default"] = *f.default_value;
  if (f.unique) {
    auto* said = s.if_contains("description");
    s["description"] = said ? std::string(said->as_string()) + "; unique" : std::string("unique");
  }
  return s;
}

// What a client could send: the default, the first enum value, a value within the bounds.
json::value example_of(const FieldDecl& f) {
  if (f.default_value) return *f.default_value;
  switch (f.type) {
    case FieldType::kInteger: return static_cast<std::int64_t>(f.min.value_or(1));
    case FieldType::kNumber: return f.min.value_or(1.5);
    case FieldType::kBoolean: return true;
    case FieldType::kDatetime: return "2026-11-24T09:00:00.000Z";
    case FieldType::kEnum: return json::value(f.values.front());
    case FieldType::kEmail: return "ada@example.com";
    case FieldType::kUrl: return "https://example.com/";
    case FieldType::kJson: return json::object{{"key", "value"}};
    case FieldType::kRef: return "01936d3c-0c4e-7a61-9f3e-2b1d5c8e4f70";
    default: return f.pattern ? json::value(nullptr) : json::value("Write the launch plan");
  }
}

void add_resource_schemas(const Resource& r, json::object& schemas) {
  const std::string& name = r.decl.name;
  json::object record_props{{"id", json::object{{"type", "string"}, {"format", "uuid"}}}};
  json::array record_required{"id"};
  json::object input_props;
  json::object update_props;  // the same without defaults: a partial update fills in nothing
  json::array create_required;
  json::object example;
  for (const FieldDecl& f : r.decl.fields) {
    json::object input = field_schema(f, true);
    if (!f.required) add_null(input);
    json::object update = input;
    update.erase("default");
    update_props[f.name] = std::move(update);
    input_props[f.name] = input;
    if (f.required && !f.default_value) create_required.emplace_back(f.name);
    if (const json::value e = example_of(f); !e.is_null() && (f.required || f.default_value || example.size() < 4)) {
      example[f.name] = e;
    }
    json::object stored = field_schema(f, false);
    stored.erase("default");
    if (!f.required) add_null(stored);
    if (f.type == FieldType::kRef) {
      // With expand, the referenced record replaces the id.
      json::array any{stored, openapi::schema_ref(f.ref_resource)};
      stored = {{"anyOf", std::move(any)}};
    }
    record_props[f.name] = std::move(stored);
    record_required.emplace_back(f.name);
  }
  record_props["ownerId"] = json::object{{"type", json::array{"string", "null"}}, {"format", "uuid"}};
  record_props["createdAt"] = json::object{{"type", "string"}, {"format", "date-time"}};
  record_props["updatedAt"] = json::object{{"type", "string"}, {"format", "date-time"}};
  for (const char* k : {"ownerId", "createdAt", "updatedAt"}) record_required.emplace_back(k);

  schemas[name] = json::object{{"type", "object"},
                               {"description", "A record of " + name + " (every key present; `fields` may leave some out)"},
                               {"required", std::move(record_required)},
                               {"additionalProperties", false},
                               {"properties", std::move(record_props)}};
  json::object create{{"type", "object"}, {"additionalProperties", false}, {"properties", input_props}};
  if (!create_required.empty()) create["required"] = std::move(create_required);
  if (std::all_of(r.decl.fields.begin(), r.decl.fields.end(),
                  [](const FieldDecl& f) { return f.type != FieldType::kRef || !f.required; })) {
    create["example"] = example;  // a required ref needs a real id: no example that would fail
  }
  schemas[name + ".create"] = std::move(create);
  schemas[name + ".update"] = json::object{
      {"type", "object"}, {"additionalProperties", false}, {"properties", std::move(update_props)},
      {"description", "Any subset of the fields; a required field can't be set to null. Fields left out keep "
                      "their values (no defaults apply)"}};
  // List rows: with `fields` only the named keys (and id) are present, so only id is required.
  json::object row = schemas[name].as_object();
  row["required"] = json::array{"id"};
  row["description"] = "A record of " + name + " in a list: every key, or with `fields` only those named and id";
  schemas[name + ".listItem"] = std::move(row);
  schemas[name + ".list"] = json::object{
      {"type", "object"},
      {"required", json::array{"data", "meta"}},
      {"additionalProperties", false},
      {"properties", json::object{{"data", json::object{{"type", "array"}, {"items", openapi::schema_ref(name + ".listItem")}}},
                                  {"meta", openapi::schema_ref("ListMeta")}}}};
}

}  // namespace

void add_schemas(openapi::Routes& routes, const Model& model) {
  json::object schemas;
  for (const auto& r : model.resources()) add_resource_schemas(r, schemas);
  for (auto& [name, schema] : schemas) routes.add_schema(std::string(name), std::move(schema.as_object()));
}

}  // namespace keel::resources
