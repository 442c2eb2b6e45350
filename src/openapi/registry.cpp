#include "openapi/registry.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace keel::openapi {

boost::json::object schema_ref(std::string_view name) {
  return {{"$ref", "#/components/schemas/" + std::string(name)}};
}

// ECMA-262 patterns (as JSON Schema reads them) of core/text_rules.cpp's rules, with the white
// space trim() removes allowed around the value. Keep them in step with normalise_email and
// check_name: tests/web/prism_proxy.test.js sends padded and edge values through a validator.
boost::json::object email_input_schema() {
  return {{"type", "string"},
          {"pattern", R"(^[ \t\n\r]*(?=[^ \t\n\r]{1,254}[ \t\n\r]*$)(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)"
                      R"((?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+)"
                      R"([A-Za-z]{2,63}[ \t\n\r]*$)"},
          {"description", "An e-mail address (at most 254 bytes); white space around it is trimmed, and it is "
                          "compared case-insensitively and stored lowercase"},
          {"examples", boost::json::array{"ada@example.com"}}};
}

boost::json::object name_input_schema() {
  return {{"type", "string"},
          {"pattern", R"(^[ \t\n\r]*[^\u0000 \t\n\r](?:[^\u0000]{0,98}[^\u0000 \t\n\r])?[ \t\n\r]*$)"},
          {"description", "1 to 100 characters once white space around it is trimmed, without U+0000"},
          {"examples", boost::json::array{"Ada"}}};
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
