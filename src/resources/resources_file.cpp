#include "resources/resources_file.hpp"

#include "core/ids.hpp"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/text_rules.hpp"

namespace keel::resources {
namespace {

constexpr std::string_view kFieldKeys[] = {"type",      "required", "default", "min",    "max",      "minLength",
                                           "maxLength", "pattern",  "unique",  "values", "resource", "onDelete"};
constexpr std::string_view kReserved[] = {"id", "ownerId", "createdAt", "updatedAt"};

// Where a problem is: "file:line: resource 'r', field 'f': ".
struct Place {
  const std::string& origin;
  std::string resource;
  std::string field;

  [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const { fail_at(at.Mark(), what); }

  [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& what) const {
    // An empty document has no position: its mistake is on line 1, not "line 0".
    std::string where = fmt::format("{}:{}", origin, mark.is_null() ? 1 : mark.line + 1);
    if (!resource.empty()) where += fmt::format(": resource '{}'", resource);
    if (!field.empty()) where += fmt::format(", field '{}'", field);
    throw ResourcesFileError(where + ": " + what);
  }
};

bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 63 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

FieldType parse_type(const Place& p, const YAML::Node& n) {
  static const std::map<std::string, FieldType> kTypes = {
      {"string", FieldType::kString},   {"text", FieldType::kText},   {"integer", FieldType::kInteger},
      {"number", FieldType::kNumber},   {"boolean", FieldType::kBoolean}, {"datetime", FieldType::kDatetime},
      {"enum", FieldType::kEnum},       {"email", FieldType::kEmail}, {"url", FieldType::kUrl},
      {"json", FieldType::kJson},       {"ref", FieldType::kRef}};
  if (!n || !n.IsScalar()) p.fail(n, "needs a type");
  auto it = kTypes.find(n.as<std::string>());
  if (it == kTypes.end()) {
    p.fail(n, fmt::format("unknown type '{}' (one of string, text, integer, number, boolean, datetime, enum, "
                          "email, url, json, ref)",
                          n.as<std::string>()));
  }
  return it->second;
}

template <class T>
T scalar(const Place& p, const YAML::Node& n, const char* key, const char* expected) {
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    p.fail(n, fmt::format("'{}' must be {}", key, expected));
  }
}

// The default, as the JSON value a record would hold; checked against the field's own rules.
boost::json::value parse_default(const Place& p, const FieldDecl& f, const YAML::Node& n) {
  const std::string text = n.IsScalar() ? n.as<std::string>() : std::string();
  auto bad = [&](const std::string& why) { p.fail(n, "the default " + why); };
  switch (f.type) {
    case FieldType::kBoolean:
      if (text != "true" && text != "false") bad("must be true or false");
      return text == "true";
    case FieldType::kInteger: {
      const auto v = scalar<std::int64_t>(p, n, "default", "a whole number");
      if ((f.min && v < *f.min) || (f.max && v > *f.max)) bad("is outside min/max");
      return v;
    }
    case FieldType::kNumber: {
      const auto v = scalar<double>(p, n, "default", "a number");
      if ((f.min && v < *f.min) || (f.max && v > *f.max)) bad("is outside min/max");
      return v;
    }
    case FieldType::kEnum:
      if (std::find(f.values.begin(), f.values.end(), text) == f.values.end()) bad("is not one of the values");
      return boost::json::value(text);
    case FieldType::kJson:
    case FieldType::kRef:
      p.fail(n, "a default is not supported for this type");
    default: {
      if (!n.IsScalar()) bad("must be a string");
      if (text.find('\0') != std::string::npos) bad("must not contain U+0000");
      const auto length = static_cast<std::int64_t>(text.size());
      if ((f.min_length && length < *f.min_length) || (f.max_length && length > *f.max_length)) {
        bad("breaks minLength/maxLength");
      }
      if (f.pattern && !RE2::PartialMatch(text, RE2(*f.pattern))) bad("does not match the pattern");
      if (f.type == FieldType::kEmail && !normalise_email(text)) bad("is not a valid email address");
      if (f.type == FieldType::kDatetime && !normalise_timestamp(text)) bad("is not an RFC 3339 date-time");
      return boost::json::value(text);
    }
  }
}

// `key` is the field's name as written: mistakes in the name, or a spec that is missing or not
// a map, are reported on its line (a block map's own position is the line after the name, and an
// empty spec has the position of whatever follows).
FieldDecl parse_field(Place p, const YAML::Node& key, const YAML::Node& spec, const std::set<std::string>& resources) {
  FieldDecl f;
  f.name = key.as<std::string>();
  f.line = key.Mark().line + 1;
  if (!is_identifier(f.name)) p.fail(key, "field names are camelCase letters and digits, starting lowercase");
  if (std::find(std::begin(kReserved), std::end(kReserved), f.name) != std::end(kReserved)) {
    p.fail(key, "is reserved: every record has id, ownerId, createdAt and updatedAt already");
  }
  if (!spec.IsMap()) p.fail(key, "must be a map like { type: string }");
  for (const auto& kv : spec) {
    const auto key = kv.first.as<std::string>();
    if (std::find(std::begin(kFieldKeys), std::end(kFieldKeys), key) == std::end(kFieldKeys)) {
      p.fail(kv.first, fmt::format("unknown key '{}'", key));
    }
  }
  // A missing key is an invalid node whose position can't be asked for: report it at the name.
  if (!spec["type"]) p.fail(key, "needs a type (one of string, text, integer, number, boolean, datetime, enum, "
                                 "email, url, json, ref)");
  f.type = parse_type(p, spec["type"]);
  if (spec["required"]) f.required = scalar<bool>(p, spec["required"], "required", "true or false");
  if (spec["unique"]) f.unique = scalar<bool>(p, spec["unique"], "unique", "true or false");
  if (spec["min"]) f.min = scalar<double>(p, spec["min"], "min", "a number");
  if (spec["max"]) f.max = scalar<double>(p, spec["max"], "max", "a number");
  if (spec["minLength"]) f.min_length = scalar<std::int64_t>(p, spec["minLength"], "minLength", "a whole number");
  if (spec["maxLength"]) f.max_length = scalar<std::int64_t>(p, spec["maxLength"], "maxLength", "a whole number");
  // Default lengths (API.md §5); maxLength raises or lowers them.
  if (f.type == FieldType::kString && !f.max_length) f.max_length = 255;
  if (f.type == FieldType::kText && !f.max_length) f.max_length = 65'535;
  if (f.min && f.max && *f.min > *f.max) p.fail(spec, "min is greater than max");
  if (f.min_length && f.max_length && *f.min_length > *f.max_length) p.fail(spec, "minLength is greater than maxLength");
  if (spec["pattern"]) {
    f.pattern = scalar<std::string>(p, spec["pattern"], "pattern", "a regular expression");
    RE2 re(*f.pattern, RE2::Quiet);
    if (!re.ok()) p.fail(spec["pattern"], "pattern is not a valid RE2 expression: " + re.error());
  }
  if (f.type == FieldType::kEnum) {
    const auto values = spec["values"];
    if (!values || !values.IsSequence() || values.size() == 0) p.fail(spec, "an enum needs values: [a, b, ...]");
    for (const auto& v : values) f.values.push_back(v.as<std::string>());
  } else if (spec["values"]) {
    p.fail(spec["values"], "values are only for enum fields");
  }
  if (f.type == FieldType::kRef) {
    const auto target = spec["resource"];
    if (!target) p.fail(spec, "a ref needs resource: <name>");
    f.ref_resource = target.as<std::string>();
    if (!resources.count(f.ref_resource)) p.fail(target, fmt::format("refers to undeclared resource '{}'", f.ref_resource));
    if (const auto od = spec["onDelete"]) {
      const auto v = od.as<std::string>();
      if (v == "cascade") f.on_delete = OnDelete::kCascade;
      else if (v == "restrict") f.on_delete = OnDelete::kRestrict;
      else if (v == "setNull") f.on_delete = OnDelete::kSetNull;
      else p.fail(od, "onDelete is cascade, restrict or setNull");
      if (f.on_delete == OnDelete::kSetNull && f.required) p.fail(od, "setNull can't apply to a required field");
    }
  } else if (spec["resource"] || spec["onDelete"]) {
    p.fail(spec, "resource and onDelete are only for ref fields");
  }
  if (spec["default"]) f.default_value = parse_default(p, f, spec["default"]);
  return f;
}

AccessRule parse_rule(const Place& p, const YAML::Node& n, const std::set<std::string>& roles) {
  AccessRule rule;
  auto add = [&](const YAML::Node& g) {
    const auto grant = g.as<std::string>();
    const bool plain = grant == "public" || grant == "authenticated" || grant == "owner" || grant == "admin";
    const bool role = grant.starts_with("role:") && (roles.count(grant.substr(5)) || grant.substr(5) == "user");
    if (!plain && !role) {
      p.fail(g, fmt::format("'{}' is not an access rule (public, authenticated, owner, admin, role:<declared role>)",
                            grant));
    }
    rule.push_back(grant);
  };
  if (n.IsSequence()) {
    for (const auto& g : n) add(g);
  } else {
    add(n);
  }
  return rule;
}

// yaml-cpp throws its own exceptions when a value has the wrong shape (a list where a name
// belongs, a lookup in a scalar): without this they would reach the operator as "bad conversion"
// with no file, resource or field. `fallback` places the mistake when yaml-cpp has no position.
template <class F>
auto placed(const Place& p, const YAML::Node& fallback, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const YAML::Exception& e) {
    p.fail_at(e.mark.is_null() ? fallback.Mark() : e.mark, "a value of the wrong kind (" + e.msg + ")");
  }
}

ResourceDecl parse_resource(const Place& p, const YAML::Node& name, const YAML::Node& spec,
                            const std::set<std::string>& resources, const std::set<std::string>& roles) {
  ResourceDecl r;
  r.name = p.resource;
  r.line = name.Mark().line + 1;
  if (!is_identifier(r.name) || r.name == "users" || r.name == "auth" || r.name == "sessions") {
    p.fail(name, "resource names are camelCase identifiers starting lowercase, and not users, auth or sessions");
  }
  if (!spec.IsMap()) p.fail(name, "needs fields: { name: { type: ... } }");
  for (const auto& entry : spec) {
    const auto key = entry.first.as<std::string>();
    if (key != "fields" && key != "indexes" && key != "access") p.fail(entry.first, fmt::format("unknown key '{}'", key));
  }
  if (!spec["fields"] || !spec["fields"].IsMap()) p.fail(name, "needs fields: { name: { type: ... } }");
  std::set<std::string> seen;
  for (const auto& field : spec["fields"]) {
    Place fp = p;
    fp.field = field.first.as<std::string>();
    // yaml-cpp keeps both of two equal keys: the second would be a second column of one name.
    if (!seen.insert(fp.field).second) fp.fail(field.first, "is declared twice");
    r.fields.push_back(placed(fp, field.first, [&] { return parse_field(fp, field.first, field.second, resources); }));
  }
  if (const auto indexes = spec["indexes"]) {
    const char* shape = "indexes is a list of field lists, like [[status], [dueAt, status]]";
    if (!indexes.IsSequence()) p.fail(indexes, shape);
    for (const auto& index : indexes) {
      if (!index.IsSequence()) p.fail(index, shape);
      std::vector<std::string> cols;
      for (const auto& c : index) {
        const auto col = c.as<std::string>();
        const bool known = std::any_of(r.fields.begin(), r.fields.end(), [&](const auto& f) { return f.name == col; }) ||
                           col == "createdAt" || col == "updatedAt" || col == "ownerId";
        if (!known) p.fail(c, fmt::format("index on unknown field '{}'", col));
        cols.push_back(col);
      }
      if (cols.empty()) p.fail(index, "an index needs at least one field");
      r.indexes.push_back(std::move(cols));
    }
  }
  // Defaults of API.md §5: create is authenticated, the rest owner.
  r.access = {{Operation::kList, {"owner"}},
              {Operation::kRead, {"owner"}},
              {Operation::kCreate, {"authenticated"}},
              {Operation::kUpdate, {"owner"}},
              {Operation::kDelete, {"owner"}}};
  if (const auto access = spec["access"]) {
    if (!access.IsMap()) p.fail(access, "access is a map of operations to rules, like { list: owner }");
    static const std::map<std::string, Operation> kOps = {{"list", Operation::kList},
                                                         {"read", Operation::kRead},
                                                         {"create", Operation::kCreate},
                                                         {"update", Operation::kUpdate},
                                                         {"delete", Operation::kDelete}};
    for (const auto& rule : access) {
      const auto op = rule.first.as<std::string>();
      auto it = kOps.find(op);
      if (it == kOps.end()) p.fail(rule.first, fmt::format("unknown operation '{}' in access", op));
      r.access[it->second] = parse_rule(p, rule.second, roles);
    }
  }
  return r;
}

Declarations parse(const YAML::Node& root, const Place& top) {
  if (!root.IsMap() || !root["resources"] || !root["resources"].IsMap()) {
    top.fail(root, "expected a top-level 'resources:' map");
  }
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    if (key != "resources" && key != "roles") top.fail(kv.first, fmt::format("unknown top-level key '{}'", key));
  }
  Declarations out;
  std::set<std::string> roles;
  if (const auto r = root["roles"]) {
    if (!r.IsSequence()) top.fail(r, "roles is a list of names, like [editor, auditor]");
    for (const auto& role : r) {
      const auto name = role.as<std::string>();
      if (!is_identifier(name) || name == "admin" || name == "user") top.fail(role, fmt::format("bad role name '{}'", name));
      roles.insert(name);
      out.roles.push_back(name);
    }
  }
  std::set<std::string> names;
  for (const auto& kv : root["resources"]) {
    const auto name = kv.first.as<std::string>();
    if (!names.insert(name).second) Place{top.origin, name, {}}.fail(kv.first, "is declared twice");
  }
  for (const auto& kv : root["resources"]) {
    const Place p{top.origin, kv.first.as<std::string>(), {}};
    out.resources.push_back(placed(p, kv.first, [&] { return parse_resource(p, kv.first, kv.second, names, roles); }));
  }
  return out;
}

}  // namespace

Declarations parse_resources(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ResourcesFileError(fmt::format("{}:{}: not valid YAML: {}", origin, e.mark.line + 1, e.msg));
  }
  const Place top{origin, {}, {}};
  return placed(top, root, [&] { return parse(root, top); });
}

Declarations load_resources_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ResourcesFileError(path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_resources(text.str(), path);
}

}  // namespace keel::resources
