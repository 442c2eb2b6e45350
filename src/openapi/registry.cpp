#include "openapi/registry.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace keel::openapi {

boost::json::object schema_ref(std::string_view name) {
  return {{"$ref", "#/components/schemas/" + std::string(name)}};
}

void Registry::add_operation(http::Method method, std::string_view pattern, Operation operation) {
  operations_.push_back({method, http::Router::canonical_path(pattern), std::move(operation)});
}

void Registry::add_schema(std::string name, boost::json::object schema) { schemas_[name] = std::move(schema); }

void Routes::add(http::Method method, std::string_view pattern, http::Handler handler, Operation operation) {
  router_.add(method, pattern, std::move(handler));
  docs_.add_operation(method, pattern, std::move(operation));
}

void Routes::add_schemas(std::string_view json_object_text) {
  boost::json::value parsed = boost::json::parse(json_object_text);
  for (auto& [name, schema] : parsed.as_object()) {
    docs_.add_schema(std::string(name), std::move(schema.as_object()));
  }
}

}  // namespace keel::openapi
