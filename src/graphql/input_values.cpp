#include "graphql/input_values.hpp"

#include <cmath>
#include <cstdint>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace keel::graphql {
namespace json = boost::json;
namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

// A JSON number as a whole number, when it is one (JSON's 50.0 is the Int 50).
std::optional<std::int64_t> whole_number(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) {
    if (v.as_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v.as_uint64());
  }
  if (v.is_double()) {
    const double d = v.as_double();
    if (std::isfinite(d) && std::trunc(d) == d && d >= -9.2e18 && d <= 9.2e18) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

// Coerces one JSON value to `type` (spec §3.x input coercion), appending each problem as
// "<what> at \"path\"" to `problems`.
class Coercer {
 public:
  explicit Coercer(const Schema& schema) : schema_(schema) {}

  struct Problem {
    std::string path;  // "input.title"; empty at the variable itself
    std::string message;
    json::value value;
  };

  json::value coerce(const json::value& v, const TypeRef& type, std::string path, std::vector<Problem>& problems) {
    if (v.is_null()) {
      if (type.non_null) {
        problems.push_back({path, "Expected non-nullable type " + quoted(to_string(type)) + " not to be null.", v});
      }
      return nullptr;
    }
    if (type.is_list()) {
      json::array out;
      if (const auto* items = v.if_array()) {
        for (std::size_t i = 0; i < items->size(); ++i) {
          out.push_back(coerce((*items)[i], *type.of_type, path_at(path, std::to_string(i)), problems));
        }
      } else {
        out.push_back(coerce(v, *type.of_type, path, problems));  // a single value is a list of one
      }
      return out;
    }
    const NamedType* named = schema_.find_type(type.name);
    if (!named) return nullptr;  // the validator refused unknown types
    switch (named->kind) {
      case TypeKind::kInputObject: return object(v, *named, path, problems);
      case TypeKind::kEnum: {
        if (v.is_string() && named->value(v.as_string())) return v;
        const std::string printed = json::serialize(v);
        if (v.is_string()) {
          problems.push_back({path, "Value " + printed + " does not exist in " + quoted(named->name) + " enum.", v});
        } else {
          problems.push_back({path, "Enum " + quoted(named->name) + " cannot represent non-string value: " + printed + ".", v});
        }
        return nullptr;
      }
      default: return scalar(v, named->name, path, problems);
    }
  }

 private:
  static std::string path_at(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  json::value object(const json::value& v, const NamedType& type, const std::string& path, std::vector<Problem>& problems) {
    const auto* given = v.if_object();
    if (!given) {
      problems.push_back({path, "Expected type " + quoted(type.name) + " to be an object.", v});
      return nullptr;
    }
    json::object out;
    for (const InputValue& field : type.input_fields) {
      const auto it = given->find(field.name);
      if (it == given->end()) {
        if (field.default_value) {
          out[field.name] = constant_value(schema_, *field.default_value, field.type);
        } else if (field.type.non_null) {
          problems.push_back({path, "Field " + quoted(field.name) + " of required type " + quoted(to_string(field.type)) +
                                        " was not provided.", v});
        }
        continue;
      }
      out[field.name] = coerce(it->value(), field.type, path_at(path, field.name), problems);
    }
    for (const auto& [key, value] : *given) {
      if (!type.input_field(key)) {
        problems.push_back({path, "Field " + quoted(key) + " is not defined by type " + quoted(type.name) + ".", v});
      }
    }
    return out;
  }

  json::value scalar(const json::value& v, const std::string& name, const std::string& path, std::vector<Problem>& problems) {
    const std::string printed = json::serialize(v);
    auto refuse = [&](std::string message) {
      problems.push_back({path, std::move(message), v});
      return json::value(nullptr);
    };
    if (name == "Int") {
      const auto n = whole_number(v);
      if (!n) return refuse("Int cannot represent non-integer value: " + printed);
      if (*n < INT32_MIN || *n > INT32_MAX) return refuse("Int cannot represent non 32-bit signed integer value: " + printed);
      return *n;
    }
    if (name == "BigInt") {
      const auto n = whole_number(v);
      if (!n) return refuse("BigInt cannot represent non-integer value: " + printed);
      return *n;
    }
    if (name == "Float") {
      if (!v.is_number()) return refuse("Float cannot represent non numeric value: " + printed);
      return v.to_number<double>();
    }
    if (name == "String" || name == "DateTime") {
      if (!v.is_string()) return refuse(name + " cannot represent a non string value: " + printed);
      return v;
    }
    if (name == "Boolean") {
      if (!v.is_bool()) return refuse("Boolean cannot represent a non boolean value: " + printed);
      return v;
    }
    if (name == "ID") {
      if (v.is_string()) return v;
      if (const auto n = whole_number(v); n && !v.is_double()) return json::value(std::to_string(*n));
      return refuse("ID cannot represent value: " + printed);
    }
    if (name == "JSON") {
      if (!v.is_object() && !v.is_array()) return refuse("JSON must be an object or an array: " + printed);
      return v;
    }
    return v;
  }

  const Schema& schema_;
};

// A literal (or a variable in one) as JSON of `type`; nullopt for a variable that was not given.
std::optional<json::value> literal(const Schema& schema, const Value& value, const TypeRef& type,
                                   const json::object* variables) {
  if (const auto* var = std::get_if<Variable>(&value.kind)) {
    if (!variables) return std::nullopt;
    const auto it = variables->find(var->name);
    if (it == variables->end()) return std::nullopt;
    return it->value();
  }
  if (std::holds_alternative<NullValue>(value.kind)) return json::value(nullptr);
  if (type.is_list()) {
    json::array out;
    if (const auto* items = std::get_if<ListValue>(&value.kind)) {
      for (const Value& item : items->values) {
        out.push_back(literal(schema, item, *type.of_type, variables).value_or(nullptr));
      }
    } else if (auto one = literal(schema, value, *type.of_type, variables)) {
      out.push_back(std::move(*one));
    }
    return out;
  }
  const NamedType* named = schema.find_type(type.name);
  if (named && named->kind == TypeKind::kInputObject) {
    json::object out;
    const auto* given = std::get_if<ObjectValue>(&value.kind);
    for (const InputValue& field : named->input_fields) {
      const ObjectField* found = nullptr;
      if (given) {
        for (const ObjectField& f : given->fields) {
          if (f.name == field.name) found = &f;
        }
      }
      std::optional<json::value> v;
      if (found) v = literal(schema, found->value, field.type, variables);
      if (!v && field.default_value) v = constant_value(schema, *field.default_value, field.type);
      if (v) out[field.name] = std::move(*v);
    }
    return out;
  }
  const std::string_view name = type.name;
  struct Plain {
    std::string_view type;
    const Schema& schema;
    const json::object* variables;
    json::value operator()(const NullValue&) const { return nullptr; }
    json::value operator()(const Variable&) const { return nullptr; }  // handled above
    json::value operator()(const IntValue& v) const {
      if (type == "ID") return json::value(v.text);
      if (type == "Float") return static_cast<double>(v.value.value_or(0));
      return v.value.value_or(0);
    }
    json::value operator()(const FloatValue& v) const { return v.value; }
    json::value operator()(const StringValue& v) const { return json::value(v.value); }
    json::value operator()(const BooleanValue& v) const { return v.value; }
    json::value operator()(const EnumValue& v) const { return json::value(v.name); }
    json::value operator()(const ListValue& v) const {  // a JSON scalar's array
      json::array out;
      for (const Value& item : v.values) out.push_back(std::visit(*this, item.kind));
      return out;
    }
    json::value operator()(const ObjectValue& v) const {  // a JSON scalar's object
      json::object out;
      for (const ObjectField& f : v.fields) {
        if (const auto* var = std::get_if<Variable>(&f.value.kind)) {
          if (!variables) continue;
          if (const auto it = variables->find(var->name); it != variables->end()) out[f.name] = it->value();
          continue;
        }
        out[f.name] = std::visit(*this, f.value.kind);
      }
      return out;
    }
  };
  return std::visit(Plain{name, schema, variables}, value.kind);
}

}  // namespace

json::value constant_value(const Schema& schema, const Value& value, const TypeRef& type) {
  return literal(schema, value, type, nullptr).value_or(nullptr);
}

CoercedVariables coerce_variables(const Schema& schema, const OperationDefinition& operation,
                                  const json::object& given) {
  CoercedVariables out;
  Coercer coercer(schema);
  for (const VariableDefinition& def : operation.variables) {
    const TypeRef type = type_ref(def.type);
    const std::string name = "$" + def.name;
    const auto it = given.find(def.name);
    if (it == given.end()) {
      if (def.default_value) {
        out.values[def.name] = constant_value(schema, *def.default_value, type);
      } else if (type.non_null) {
        out.errors.push_back({"Variable " + quoted(name) + " of required type " + quoted(to_string(type)) +
                                  " was not provided.",
                              {def.location}, kValidationErrorCode});
      }
      continue;
    }
    if (it->value().is_null() && type.non_null) {
      out.errors.push_back({"Variable " + quoted(name) + " of non-null type " + quoted(to_string(type)) +
                                " must not be null.",
                            {def.location}, kValidationErrorCode});
      continue;
    }
    std::vector<Coercer::Problem> problems;
    json::value coerced = coercer.coerce(it->value(), type, {}, problems);
    for (const auto& p : problems) {
      std::string message = "Variable " + quoted(name) + " got invalid value " + json::serialize(p.value);
      if (!p.path.empty()) message += " at " + quoted(def.name + "." + p.path);
      message += "; " + p.message;
      out.errors.push_back({std::move(message), {def.location}, kValidationErrorCode});
    }
    if (problems.empty()) out.values[def.name] = std::move(coerced);
  }
  return out;
}

json::object argument_values(const Schema& schema, const std::vector<InputValue>& definitions,
                             const std::vector<Argument>& arguments, const json::object& variables) {
  json::object out;
  for (const InputValue& def : definitions) {
    std::optional<json::value> v;
    for (const Argument& a : arguments) {
      if (a.name == def.name) v = literal(schema, a.value, def.type, &variables);
    }
    if (!v && def.default_value) v = constant_value(schema, *def.default_value, def.type);
    if (v) out[def.name] = std::move(*v);
  }
  return out;
}

}  // namespace keel::graphql
