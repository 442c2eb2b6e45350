#include "graphql/schema_builder.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "lists/list_query.hpp"
#include "users/user_store.hpp"

namespace keel::graphql {
namespace {

using resources::FieldDecl;
using resources::FieldType;
using resources::Resource;
using resources::ResourceDecl;

// Names keel's schema uses whatever the resources file says: no resource may take them, even the
// ones a given file doesn't need (BigInt, JSON), so adding a field never turns a name into a clash.
constexpr std::string_view kKeelTypes[] = {
    "Query",      "Mutation",     "Subscription", "PageInfo",      "User",           "UserConnection",
    "UserFilter", "UserSort",     "DateTime",     "BigInt",        "JSON",           "StringFilter",
    "IntFilter",  "BigIntFilter", "FloatFilter",  "BooleanFilter", "DateTimeFilter", "IDFilter",
    "JSONFilter"};

constexpr std::string_view kDateTimeSpec = "https://datatracker.ietf.org/doc/html/rfc3339";

// "resource 'tasks' (line 9)[, field 'status' (line 13)]": where a problem is in the file.
std::string place(const ResourceDecl& r, const FieldDecl* f = nullptr) {
  std::string out = fmt::format("resource '{}'", r.name);
  if (r.line > 0) out += fmt::format(" (line {})", r.line);
  if (f) {
    out += fmt::format(", field '{}'", f->name);
    if (f->line > 0) out += fmt::format(" (line {})", f->line);
  }
  return out;
}

[[noreturn]] void refuse(const std::string& where, const std::string& what) {
  throw SchemaError(fmt::format("GraphQL schema: {}: {}", where, what));
}

// Integer fields whose declared bounds keep them within GraphQL's 32-bit Int are Int; any other
// is BigInt, so a stored 64-bit value is never an error in GraphQL when REST returns it.
bool fits_int(const FieldDecl& f) {
  return f.min && f.max && *f.min >= -2147483648.0 && *f.max <= 2147483647.0;
}

bool text_like(FieldType t) {
  return t == FieldType::kString || t == FieldType::kText || t == FieldType::kEmail || t == FieldType::kUrl;
}

// The scalar (or enum) a field's values have in GraphQL; a ref's is its id's.
std::string value_type(const ResourceDecl& r, const FieldDecl& f) {
  switch (f.type) {
    case FieldType::kInteger: return fits_int(f) ? "Int" : "BigInt";
    case FieldType::kNumber: return "Float";
    case FieldType::kBoolean: return "Boolean";
    case FieldType::kDatetime: return "DateTime";
    case FieldType::kEnum: return enum_type_name(r.name, f.name);
    case FieldType::kJson: return "JSON";
    case FieldType::kRef: return "ID";
    default: return "String";
  }
}

// The scalar of a list column that is not a declared field (id, ownerId, timestamps, users).
std::string scalar_of(lists::Kind kind) {
  switch (kind) {
    case lists::Kind::kInteger: return "BigInt";
    case lists::Kind::kNumber: return "Float";
    case lists::Kind::kBoolean: return "Boolean";
    case lists::Kind::kDatetime: return "DateTime";
    case lists::Kind::kUuid: return "ID";
    case lists::Kind::kJson: return "JSON";
    case lists::Kind::kText: return "String";
  }
  return "String";
}

std::string number_text(double v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// A declared default as the GraphQL literal of the field's type (graphql-js's astFromValue: a
// Float with a whole value is written as an Int).
std::optional<Value> default_of(const FieldDecl& f) {
  if (!f.default_value) return std::nullopt;
  const boost::json::value& d = *f.default_value;
  Value v;
  switch (f.type) {
    case FieldType::kEnum:
      v.kind = EnumValue{std::string(d.as_string())};
      return v;
    case FieldType::kBoolean:
      v.kind = BooleanValue{d.as_bool()};
      return v;
    case FieldType::kInteger: {
      const std::int64_t i = d.is_int64() ? d.as_int64() : static_cast<std::int64_t>(d.to_number<double>());
      v.kind = IntValue{std::to_string(i), i};
      return v;
    }
    case FieldType::kNumber: {
      const double x = d.to_number<double>();
      std::string text = number_text(x);
      if (text.find_first_of(".eE") == std::string::npos) {
        v.kind = IntValue{text, static_cast<std::int64_t>(x)};
      } else {
        v.kind = FloatValue{std::move(text), x};
      }
      return v;
    }
    case FieldType::kJson:
    case FieldType::kRef:
      return std::nullopt;
    default:
      if (!d.is_string()) return std::nullopt;
      v.kind = StringValue{std::string(d.as_string()), false};
      return v;
  }
}

// The declaration's rules in words, for descriptions: "required (not empty), 1 to 200 characters".
std::vector<std::string> constraints(const FieldDecl& f, bool with_default) {
  std::vector<std::string> out;
  if (f.required) out.emplace_back(text_like(f.type) ? "required (not empty)" : "required");
  if (f.unique) out.emplace_back("unique");
  if (f.min && f.max) out.push_back(fmt::format("from {} to {}", number_text(*f.min), number_text(*f.max)));
  else if (f.min) out.push_back(fmt::format("at least {}", number_text(*f.min)));
  else if (f.max) out.push_back(fmt::format("at most {}", number_text(*f.max)));
  if (f.min_length && f.max_length) out.push_back(fmt::format("{} to {} characters", *f.min_length, *f.max_length));
  else if (f.min_length) out.push_back(fmt::format("at least {} characters", *f.min_length));
  else if (f.max_length) out.push_back(fmt::format("at most {} characters", *f.max_length));
  if (f.pattern) out.push_back(fmt::format("matching the pattern `{}`", *f.pattern));
  if (with_default && f.default_value) {
    out.push_back(fmt::format("default {}", f.type == FieldType::kEnum ? std::string(f.default_value->as_string())
                                                                       : boost::json::serialize(*f.default_value)));
  }
  if (f.type == FieldType::kRef) {
    const char* rule = f.on_delete == resources::OnDelete::kCascade   ? "cascade"
                       : f.on_delete == resources::OnDelete::kSetNull ? "setNull"
                                                                      : "restrict";
    out.push_back(fmt::format("onDelete {}", rule));
  }
  return out;
}

std::string kind_words(const FieldDecl& f) {
  switch (f.type) {
    case FieldType::kString: return "A string";
    case FieldType::kText: return "Text";
    case FieldType::kInteger: return fits_int(f) ? "A whole number" : "A 64-bit whole number";
    case FieldType::kNumber: return "A number";
    case FieldType::kBoolean: return "True or false";
    case FieldType::kDatetime: return "A date-time (RFC 3339; returned in UTC with milliseconds)";
    case FieldType::kEnum: return fmt::format("One of {}", joined(f.values, ", "));
    case FieldType::kEmail: return "An email address (stored trimmed and lowercased)";
    case FieldType::kUrl: return "An absolute http(s) URL";
    case FieldType::kJson: return "A JSON object or array";
    case FieldType::kRef: return fmt::format("The id of a {} record the caller may read", f.ref_resource);
  }
  return "A value";
}

std::string sentence(std::string head, const std::vector<std::string>& rules) {
  if (!rules.empty()) {
    head += "; ";
    head += joined(rules, ", ");
  }
  head += '.';
  return head;
}

// The description of a declared field in the record type, a create input or an update input.
std::string describe(const FieldDecl& f, bool in_record, bool with_default) {
  if (in_record && f.type == FieldType::kRef) {
    return sentence(fmt::format("The {} record `{}` refers to, or null when the caller may not read it", f.ref_resource,
                                f.name),
                    constraints(f, false));
  }
  return sentence(kind_words(f), constraints(f, with_default));
}

std::string op_description(lists::Op op) {
  switch (op) {
    case lists::Op::kEq: return "Equal to the value.";
    case lists::Op::kNe: return "Not equal to the value; a record holding null matches.";
    case lists::Op::kGt: return "Greater than the value.";
    case lists::Op::kGte: return "Greater than or equal to the value.";
    case lists::Op::kLt: return "Less than the value.";
    case lists::Op::kLte: return "Less than or equal to the value.";
    case lists::Op::kIn: return "One of the values (at most 100).";
    case lists::Op::kNin: return "None of the values (at most 100); a record holding null matches.";
    case lists::Op::kContains: return "Contains the text, ignoring case.";
    case lists::Op::kStartsWith: return "Starts with the text, ignoring case.";
    case lists::Op::kExists: return "true: has a value; false: is null.";
  }
  return {};
}

// An operator input: the operators of API.md §6 that apply to a column of this kind (exactly
// those lists::operator_problem allows, so GraphQL offers what REST accepts), with values of
// `scalar`.
NamedType operator_input(std::string name, std::string description, const std::string& scalar, lists::Kind kind,
                         const std::vector<std::string>& values) {
  NamedType t;
  t.kind = TypeKind::kInputObject;
  t.name = std::move(name);
  t.description = std::move(description);
  lists::Column column;
  column.kind = kind;
  column.values = values;
  for (const auto& [op_name, op] : lists::operators()) {
    if (!lists::operator_problem(column, op).empty()) continue;
    InputValue v;
    v.name = std::string(op_name);
    v.description = op_description(op);
    switch (op) {
      case lists::Op::kIn:
      case lists::Op::kNin: v.type = list_of(non_null(named(scalar))); break;
      case lists::Op::kContains:
      case lists::Op::kStartsWith: v.type = named("String"); break;
      case lists::Op::kExists: v.type = named("Boolean"); break;
      default: v.type = named(scalar); break;
    }
    t.input_fields.push_back(std::move(v));
  }
  return t;
}

InputValue input_value(std::string name, TypeRef type, std::string description = {},
                       std::optional<Value> default_value = std::nullopt) {
  return InputValue{std::move(name), std::move(description), std::move(type), std::move(default_value)};
}

FieldDef field_def(std::string name, TypeRef type, std::string description, Binding binding = {}) {
  FieldDef f;
  f.name = std::move(name);
  f.type = std::move(type);
  f.description = std::move(description);
  f.binding = std::move(binding);
  return f;
}

// filter, sort, first = 20, after: the arguments of every connection field (API.md §13).
std::vector<InputValue> connection_arguments(const std::string& filter, const std::string& sort) {
  Value first;
  first.kind = IntValue{std::to_string(lists::kDefaultLimit), lists::kDefaultLimit};
  return {input_value("filter", named(filter)), input_value("sort", list_of(non_null(named(sort)))),
          input_value("first", named("Int"), {}, std::move(first)), input_value("after", named("String"))};
}

NamedType object_type(std::string name, std::string description) {
  NamedType t;
  t.kind = TypeKind::kObject;
  t.name = std::move(name);
  t.description = std::move(description);
  return t;
}

NamedType connection_type(const std::string& name, const std::string& node, const std::string& what) {
  NamedType t = object_type(name, fmt::format("A page of {}.", what));
  t.fields.push_back(field_def("nodes", non_null(list_of(non_null(named(node)))),
                               "The records of this page, in the order asked for."));
  t.fields.push_back(
      field_def("pageInfo", non_null(named("PageInfo")), "Whether another page follows, and its cursor."));
  t.fields.push_back(
      field_def("totalCount", non_null(named("Int")), "How many match the filter, on all pages together."));
  return t;
}

NamedType sort_enum(const std::string& name, const std::string& what, const lists::Catalog& catalog) {
  NamedType t;
  t.kind = TypeKind::kEnum;
  t.name = name;
  t.description = fmt::format("Sort keys for lists of {}: a field and a direction (ties are broken by id).", what);
  for (const auto& c : catalog.columns) {
    if (c.kind == lists::Kind::kJson) continue;  // json can't be sorted on (API.md §6)
    const std::string key = screaming_snake_case(c.name);
    for (const bool descending : {false, true}) {
      EnumValueDef v;
      v.name = key + (descending ? "_DESC" : "_ASC");
      v.description = fmt::format("By {}, {}.", c.name, descending ? "descending" : "ascending");
      v.sort = SortBinding{c.name, descending};
      t.values.push_back(std::move(v));
    }
  }
  return t;
}

class Builder {
 public:
  explicit Builder(const resources::Model& model) : model_(model) {}

  Schema build() {
    for (const auto name : kKeelTypes) type_owners_.emplace(name, fmt::format("keel's own type {}", name));
    for (const auto& [name, type] : schema_.types()) {
      type_owners_[name] =
          fmt::format("{} {}", type.kind == TypeKind::kScalar ? "built-in scalar" : "introspection type", name);
    }
    query_owners_ = {{"me", "keel's Query.me"}, {"users", "keel's Query.users"}};
    for (const Resource& r : model_.resources()) plan(r);
    schema_.add_type(page_info());
    schema_.add_type(custom_scalar("DateTime",
                                   "A date-time as an RFC 3339 string. keel returns UTC with milliseconds "
                                   "(2026-11-24T03:55:23.123Z) and accepts any offset.",
                                   std::string(kDateTimeSpec)));

    std::vector<NamedType> objects;
    for (const Resource& r : model_.resources()) objects.push_back(record_type(r));
    for (const Resource& r : model_.resources()) add_reverse_connections(r, objects);
    for (auto& o : objects) schema_.add_type(std::move(o));

    NamedType query = object_type("Query", "What keel serves to read: records by id or in pages, and users.");
    NamedType mutation = object_type("Mutation", "Changes to records, with the validation and access rules of REST.");
    for (const Resource& r : model_.resources()) add_resource_types(r, query, mutation);
    add_user_types(query);
    const bool mutations = !mutation.fields.empty();
    schema_.add_type(std::move(query));
    if (mutations) schema_.add_type(std::move(mutation));
    schema_.set_roots("Query", mutations ? "Mutation" : "");
    return std::move(schema_);
  }

 private:
  // Takes a type name for `owner`, or refuses the file when something else has it.
  void claim_type(const std::string& name, const std::string& where, const std::string& what) {
    const auto [it, fresh] = type_owners_.emplace(name, fmt::format("{} of {}", what, where));
    if (!fresh) {
      refuse(where, fmt::format("its {} would be named {}, which is the name of the {} (GraphQL type names share one "
                                "namespace); rename one of them",
                                what, name, it->second));
    }
  }

  void claim_query_field(const std::string& name, const std::string& where, const std::string& what) {
    const auto [it, fresh] = query_owners_.emplace(name, fmt::format("{} of {}", what, where));
    if (!fresh) {
      refuse(where, fmt::format("its {} would be Query.{}, which is {}; rename the resource", what, name, it->second));
    }
  }

  // Checks every name a resource brings and takes the type and root-field names it needs.
  void plan(const Resource& r) {
    const ResourceDecl& d = r.decl;
    const std::string where = place(d);
    if (!is_name(d.name)) {
      refuse(where, "the name is not a GraphQL name (letters, digits and _, not starting with a digit)");
    }
    const ResourceNames n = names_of(d.name);
    claim_type(n.type, where, "object type");
    claim_type(n.connection, where, "connection type");
    claim_type(n.filter, where, "filter input");
    claim_type(n.sort, where, "sort enum");
    if (!d.fields.empty()) {
      claim_type(n.create_input, where, "create input");
      claim_type(n.update_input, where, "update input");
    }
    claim_query_field(n.record_field, where, "record field");
    claim_query_field(n.list_field, where, "list field");

    std::map<std::string, const FieldDecl*> sort_keys;  // SORT_KEY -> field
    for (const char* fixed : {"id", "ownerId", "createdAt", "updatedAt"}) {
      sort_keys.emplace(screaming_snake_case(fixed), nullptr);
    }
    for (const FieldDecl& f : d.fields) {
      const std::string at = place(d, &f);
      if (!is_name(f.name) || f.name.starts_with("__")) refuse(at, "the name is not a GraphQL name");
      if (f.name == "id" || f.name == "ownerId" || f.name == "createdAt" || f.name == "updatedAt") {
        refuse(at, "every record has id, ownerId, createdAt and updatedAt already");
      }
      if (f.name == "and" || f.name == "or") {
        refuse(at, fmt::format("{} combines filters with `and` and `or`, so no field can have those names; rename the "
                               "field",
                               n.filter));
      }
      if (f.type != FieldType::kJson) {
        const auto [it, fresh] = sort_keys.emplace(screaming_snake_case(f.name), &f);
        if (!fresh) {
          const std::string other = it->second ? fmt::format("field '{}'", it->second->name) : "a record's own field";
          refuse(at, fmt::format("its sort values {0}_ASC/{0}_DESC in {1} are also those of {2}; rename one of them",
                                 it->first, n.sort, other));
        }
      }
      if (f.type == FieldType::kEnum) {
        const std::string e = enum_type_name(d.name, f.name);
        claim_type(e, at, "enum type");
        claim_type(e + "Filter", at, "enum filter input");
        std::set<std::string> seen;
        for (const auto& v : f.values) {
          if (!is_name(v) || v == "true" || v == "false" || v == "null") {
            refuse(at, fmt::format("the enum value '{}' can't be a GraphQL enum value (letters, digits and _, not "
                                   "starting with a digit, and not true, false or null); rename it or declare the "
                                   "field as a string",
                                   v));
          }
          if (!seen.insert(v).second) refuse(at, fmt::format("the enum value '{}' is listed twice", v));
        }
      }
    }
  }

  // The record type with its own fields; reverse connections come once every type exists.
  NamedType record_type(const Resource& r) {
    const ResourceDecl& d = r.decl;
    NamedType t = object_type(names_of(d.name).type,
                              fmt::format("A record of {}: its declared fields, with id, ownerId, createdAt and "
                                          "updatedAt. Read with the resource's access rules.",
                                          d.name));
    t.fields.push_back(field_def("id", non_null(named("ID")), "The record's id (a UUIDv7)."));
    for (const FieldDecl& f : d.fields) {
      if (f.type == FieldType::kRef) {
        t.fields.push_back(field_def(f.name, named(names_of(f.ref_resource).type), describe(f, true, false),
                                     Binding{Binding::Kind::kRef, f.ref_resource, f.name}));
        continue;
      }
      TypeRef type = named(use_scalar(value_type(d, f)));
      if (f.required) type = non_null(std::move(type));
      t.fields.push_back(field_def(f.name, std::move(type), describe(f, true, false)));
    }
    t.fields.push_back(field_def("ownerId", named("ID"),
                                 "The id of the user who created the record; null when it was created without "
                                 "signing in."));
    t.fields.push_back(field_def("createdAt", non_null(named("DateTime")), "When the record was created."));
    t.fields.push_back(field_def("updatedAt", non_null(named("DateTime")), "When the record was last changed."));
    return t;
  }

  // Project.tasks: the records of each resource whose ref points at this one. A resource with
  // several refs to the same target, or whose name is taken on the target, gets tasksBy<Ref>.
  void add_reverse_connections(const Resource& r, std::vector<NamedType>& objects) {
    const ResourceDecl& d = r.decl;
    const ResourceNames n = names_of(d.name);
    for (const FieldDecl& f : d.fields) {
      if (f.type != FieldType::kRef) continue;
      const auto target = std::find_if(model_.resources().begin(), model_.resources().end(),
                                       [&](const Resource& t) { return t.decl.name == f.ref_resource; });
      if (target == model_.resources().end()) {
        refuse(place(d, &f), fmt::format("refers to undeclared resource '{}'", f.ref_resource));
      }
      NamedType& object = objects[static_cast<std::size_t>(target - model_.resources().begin())];
      const auto refs_to_target = std::count_if(d.fields.begin(), d.fields.end(), [&](const FieldDecl& g) {
        return g.type == FieldType::kRef && g.ref_resource == f.ref_resource;
      });
      std::string by = n.list_field + "By" + pascal_case(f.name);
      std::string name = refs_to_target == 1 && !object.field(n.list_field) ? n.list_field : by;
      if (const FieldDef* taken = object.field(name)) {
        const std::string owner = taken->binding.kind == Binding::Kind::kReverse
                                      ? fmt::format("the reverse connection of resource '{}', field '{}'",
                                                    taken->binding.resource, taken->binding.field)
                                      : fmt::format("field '{}' of resource '{}'", taken->name, f.ref_resource);
        refuse(place(d, &f), fmt::format("its reverse connection would be {}.{}, which is {}; rename one of them",
                                         object.name, name, owner));
      }
      object.fields.push_back(field_def(
          std::move(name), non_null(named(n.connection)),
          fmt::format("The {} records whose `{}` is this record (those the caller may list), in pages.", d.name,
                      f.name),
          Binding{Binding::Kind::kReverse, d.name, f.name}));
      object.fields.back().arguments = connection_arguments(n.filter, n.sort);
    }
  }

  void add_resource_types(const Resource& r, NamedType& query, NamedType& mutation) {
    const ResourceDecl& d = r.decl;
    const ResourceNames n = names_of(d.name);
    const std::string records = d.name + " records";
    schema_.add_type(connection_type(n.connection, n.type, records));
    schema_.add_type(filter_input(r, n));
    schema_.add_type(sort_enum(n.sort, records, r.catalog));
    for (const FieldDecl& f : d.fields) {
      if (f.type != FieldType::kEnum) continue;
      NamedType e;
      e.kind = TypeKind::kEnum;
      e.name = enum_type_name(d.name, f.name);
      e.description = fmt::format("The values of {}.{}.", d.name, f.name);
      for (const auto& v : f.values) e.values.push_back(EnumValueDef{v, {}, std::nullopt});
      schema_.add_type(operator_input(e.name + "Filter", fmt::format("Conditions on {}.{}.", d.name, f.name), e.name,
                                      lists::Kind::kText, f.values));
      schema_.add_type(std::move(e));
    }

    const std::string& name = d.name;
    FieldDef record = field_def(
        n.record_field, named(n.type),
        fmt::format("The {} record with this id, or null when there is none the caller may read.", name),
        Binding{Binding::Kind::kRecord, name, {}});
    record.arguments.push_back(input_value("id", non_null(named("ID"))));
    query.fields.push_back(std::move(record));
    FieldDef list = field_def(n.list_field, non_null(named(n.connection)),
                              fmt::format("A page of the {} the caller may list (as GET /api/{}); `first` is 1 to "
                                          "100, `after` the endCursor of the page before.",
                                          records, name),
                              Binding{Binding::Kind::kList, name, {}});
    list.arguments = connection_arguments(n.filter, n.sort);
    query.fields.push_back(std::move(list));

    FieldDef create = field_def(n.create_mutation, non_null(named(n.type)),
                                fmt::format("Creates a {} record (as POST /api/{}): defaults applied, the same "
                                            "validation and access rules.",
                                            name, name),
                                Binding{Binding::Kind::kCreate, name, {}});
    if (!d.fields.empty()) {
      create.arguments.push_back(input_value("input", non_null(named(n.create_input))));
      schema_.add_type(write_input(r, n.create_input, true));
      schema_.add_type(write_input(r, n.update_input, false));
    }
    mutation.fields.push_back(std::move(create));
    if (!d.fields.empty()) {
      FieldDef update = field_def(n.update_mutation, non_null(named(n.type)),
                                  fmt::format("Changes the fields given in `input` of a {} record (as PATCH "
                                              "/api/{}/:id); the others keep their values.",
                                              name, name),
                                  Binding{Binding::Kind::kUpdate, name, {}});
      update.arguments = {input_value("id", non_null(named("ID"))),
                          input_value("input", non_null(named(n.update_input)))};
      mutation.fields.push_back(std::move(update));
    }
    FieldDef remove = field_def(n.delete_mutation, non_null(named("ID")),
                                fmt::format("Deletes a {} record (as DELETE /api/{}/:id) and returns its id; refs to "
                                            "it follow their onDelete rules.",
                                            name, name),
                                Binding{Binding::Kind::kDelete, name, {}});
    remove.arguments.push_back(input_value("id", non_null(named("ID"))));
    mutation.fields.push_back(std::move(remove));
  }

  NamedType filter_input(const Resource& r, const ResourceNames& n) {
    const ResourceDecl& d = r.decl;
    NamedType t;
    t.kind = TypeKind::kInputObject;
    t.name = n.filter;
    t.description = fmt::format("Conditions on {} records, as the filters of GET /api/{}: every condition given must "
                                "hold; `and` and `or` combine filters.",
                                d.name, d.name);
    for (const auto& c : r.catalog.columns) {
      const int index = r.field_index(c.name);
      std::string filter;
      if (index >= 0 && d.fields[static_cast<std::size_t>(index)].type == FieldType::kEnum) {
        filter = enum_type_name(d.name, c.name) + "Filter";
      } else {
        const std::string scalar =
            index >= 0 ? value_type(d, d.fields[static_cast<std::size_t>(index)]) : scalar_of(c.kind);
        filter = use_operator_input(scalar, c.kind);
      }
      t.input_fields.push_back(input_value(c.name, named(std::move(filter)), fmt::format("Conditions on {}.", c.name)));
    }
    add_combinators(t);
    return t;
  }

  static void add_combinators(NamedType& filter) {
    const TypeRef filters = list_of(non_null(named(filter.name)));
    filter.input_fields.push_back(input_value("and", filters, "Every one of these filters holds."));
    filter.input_fields.push_back(input_value("or", filters, "At least one of these filters holds."));
  }

  // TaskCreateInput / TaskUpdateInput: a ref is its id, under the ref's name. Create: non-null
  // where REST requires a value (required: present and not null), the declared default shown;
  // update: all optional, no defaults (a partial update fills in nothing).
  NamedType write_input(const Resource& r, const std::string& name, bool create) {
    const ResourceDecl& d = r.decl;
    NamedType t;
    t.kind = TypeKind::kInputObject;
    t.name = name;
    t.description = create ? fmt::format("The fields of a new {} record, as the body of POST /api/{}: a field left "
                                         "out takes its default.",
                                         d.name, d.name)
                           : fmt::format("Fields to change in a {} record, as the body of PATCH /api/{}/:id: a field "
                                         "left out keeps its value, and a required field can't be set to null.",
                                         d.name, d.name);
    for (const FieldDecl& f : d.fields) {
      TypeRef type = named(use_scalar(value_type(d, f)));
      if (create && f.required) type = non_null(std::move(type));
      t.input_fields.push_back(input_value(f.name, std::move(type), describe(f, false, create),
                                           create ? default_of(f) : std::nullopt));
    }
    return t;
  }

  void add_user_types(NamedType& query) {
    const lists::Catalog& catalog = users::users_catalog();
    NamedType user = object_type("User", "A user account (never a password or hash).");
    user.fields = {
        field_def("id", non_null(named("ID")), "The user's id (a UUIDv7)."),
        field_def("email", non_null(named("String")), "The email address, trimmed and lowercased."),
        field_def("name", non_null(named("String")), "The display name."),
        field_def("role", non_null(named("String")), role_description()),
        field_def("emailVerified", non_null(named("Boolean")), "Whether the user has confirmed the email address."),
        field_def("createdAt", non_null(named("DateTime")), "When the account was created."),
        field_def("updatedAt", non_null(named("DateTime")), "When the account was last changed."),
    };
    schema_.add_type(std::move(user));
    schema_.add_type(connection_type("UserConnection", "User", "users"));

    NamedType filter;
    filter.kind = TypeKind::kInputObject;
    filter.name = "UserFilter";
    filter.description =
        "Conditions on users, as the filters of GET /api/users: every condition given must hold; `and` and `or` "
        "combine filters.";
    for (const auto& c : catalog.columns) {
      filter.input_fields.push_back(input_value(c.name, named(use_operator_input(scalar_of(c.kind), c.kind)),
                                                fmt::format("Conditions on {}.", c.name)));
    }
    add_combinators(filter);
    schema_.add_type(std::move(filter));
    schema_.add_type(sort_enum("UserSort", "users", catalog));

    query.fields.push_back(field_def("me", named("User"), "The signed-in user; null without a valid access token.",
                                     Binding{Binding::Kind::kMe, "users", {}}));
    FieldDef users = field_def("users", non_null(named("UserConnection")),
                               "A page of users (admins only, as GET /api/users); `first` is 1 to 100, `after` the "
                               "endCursor of the page before.",
                               Binding{Binding::Kind::kUsers, "users", {}});
    users.arguments = connection_arguments("UserFilter", "UserSort");
    query.fields.push_back(std::move(users));
  }

  std::string role_description() const {
    std::string roles = "admin, user";
    for (const auto& r : model_.roles()) {
      roles += ", ";
      roles += r;
    }
    return fmt::format("The role: {}.", roles);
  }

  static NamedType page_info() {
    NamedType t = object_type("PageInfo", "Where a page ends.");
    t.fields.push_back(field_def("hasNextPage", non_null(named("Boolean")), "Whether another page follows."));
    t.fields.push_back(field_def("endCursor", named("String"),
                                 "Pass it as `after` for the next page (the nextCursor of GET lists); null on the last "
                                 "page."));
    return t;
  }

  static NamedType custom_scalar(std::string name, std::string description, std::string specified_by = {}) {
    NamedType t;
    t.kind = TypeKind::kScalar;
    t.name = std::move(name);
    t.description = std::move(description);
    t.specified_by_url = std::move(specified_by);
    return t;
  }

  // Adds BigInt or JSON the first time a field needs it; returns the name.
  std::string use_scalar(std::string name) {
    if (schema_.find_type(name)) return name;
    if (name == "BigInt") {
      schema_.add_type(custom_scalar("BigInt",
                                     "A 64-bit signed whole number, as a JSON number (the integer fields whose min and "
                                     "max don't keep them within Int)."));
    } else if (name == "JSON") {
      schema_.add_type(custom_scalar("JSON", "A JSON object or array, as it is (the value of a json field)."));
    }
    return name;
  }

  // The shared operator input of a scalar (StringFilter, IDFilter, ...), added on first use.
  std::string use_operator_input(const std::string& scalar, lists::Kind kind) {
    use_scalar(scalar);
    std::string name = scalar + "Filter";
    if (!schema_.find_type(name)) {
      std::string description = fmt::format("Conditions on {} values: every operator given must hold.", scalar);
      if (kind == lists::Kind::kText) description += " Comparisons are bytewise (UTF-8), as in sorting.";
      schema_.add_type(operator_input(name, std::move(description), scalar, kind, {}));
    }
    return name;
  }

  const resources::Model& model_;
  Schema schema_;
  std::map<std::string, std::string, std::less<>> type_owners_;
  std::map<std::string, std::string, std::less<>> query_owners_;
};

bool ends_with_lower(std::string_view name, std::string_view suffix) {
  if (name.size() < suffix.size()) return false;
  const std::string_view tail = name.substr(name.size() - suffix.size());
  return std::equal(tail.begin(), tail.end(), suffix.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

}  // namespace

std::string singular(std::string_view resource) {
  // {suffix, characters dropped, what is appended}: the first rule that matches applies.
  struct Rule {
    std::string_view suffix;
    std::size_t drop;
    std::string_view append;
  };
  static constexpr Rule kRules[] = {{"statuses", 2, ""}, {"ies", 3, "y"}, {"sses", 2, ""}, {"shes", 2, ""},
                                    {"ches", 2, ""},     {"xes", 2, ""},  {"ss", 0, ""},   {"us", 0, ""},
                                    {"is", 0, ""},       {"s", 1, ""}};
  for (const Rule& rule : kRules) {
    // Something must be left: `s` stays `s`.
    if (!ends_with_lower(resource, rule.suffix) || resource.size() <= rule.drop) continue;
    std::string out(resource.substr(0, resource.size() - rule.drop));
    out += rule.append;
    return out;
  }
  return std::string(resource);
}

std::string pascal_case(std::string_view name) {
  std::string out(name);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string screaming_snake_case(std::string_view name) {
  const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    // A word starts at an upper-case letter after a lower-case one or a digit (dueAt), or at the
    // last capital of an acronym followed by a lower-case letter (myURLValue → MY_URL_VALUE).
    if (i > 0 && upper(c) &&
        (lower_or_digit(name[i - 1]) ||
         (upper(name[i - 1]) && i + 1 < name.size() && name[i + 1] >= 'a' && name[i + 1] <= 'z'))) {
      out += '_';
    }
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

ResourceNames names_of(std::string_view resource) {
  ResourceNames n;
  const std::string one = singular(resource);
  n.type = pascal_case(one);
  n.record_field = one == resource ? one + "ById" : one;
  n.list_field = std::string(resource);
  n.connection = n.type + "Connection";
  n.filter = n.type + "Filter";
  n.sort = n.type + "Sort";
  n.create_input = n.type + "CreateInput";
  n.update_input = n.type + "UpdateInput";
  n.create_mutation = fmt::format("create{}", n.type);
  n.update_mutation = fmt::format("update{}", n.type);
  n.delete_mutation = fmt::format("delete{}", n.type);
  return n;
}

std::string enum_type_name(std::string_view resource, std::string_view field) {
  return names_of(resource).type + pascal_case(field);
}

Schema build_schema(const resources::Model& model) { return Builder(model).build(); }

}  // namespace keel::graphql
