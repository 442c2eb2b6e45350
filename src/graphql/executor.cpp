#include "graphql/executor.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "graphql/input_values.hpp"
#include "graphql/list_arguments.hpp"
#include "graphql/parser.hpp"
#include "resources/record_json.hpp"
#include "resources/resource_service.hpp"
#include "users/user_json.hpp"
#include "users/user_service.hpp"
#include "users/user_store.hpp"

namespace keel::graphql {
namespace json = boost::json;
using resources::Resource;
using resources::Row;
using Kind = Binding::Kind;

namespace {

/// Responses carry at most this many errors (a field failing for every one of 100 parents
/// of 100 parents would otherwise list 10,000).
constexpr std::size_t kMaxResponseErrors = 100;

/// Why a field has no value: a keel::Error as the client sees it.
struct FieldError {
  std::string message;
  std::string code;
  ErrorDetails details;
};

FieldError field_error(const Error& e) {
  if (e.code() == ErrorCode::kInternal || e.code() == ErrorCode::kUnavailable) {
    spdlog::error("graphql: a field failed: {}", e.what());
  }
  return FieldError{e.message(), error_code_name(e.code()), e.details()};
}

/// A page of a connection, whatever it lists.
struct Connection {
  const Resource* resource = nullptr;  // null: users
  std::vector<Row> rows;
  std::vector<json::value> users;
  std::optional<std::string> end_cursor;
  std::int64_t total = 0;
};

const Connection kNoRecords;

/// One field of the response at one place in the query, for every parent at that place: what
/// the document asks (merged over the selections with its response key) and, once loaded, what
/// the database answered.
struct PlanField {
  std::string key;
  const FieldDef* def = nullptr;
  const NamedType* parent = nullptr;   // the object type it is selected on
  const NamedType* type = nullptr;     // the named type of def->type
  const Resource* resource = nullptr;  // the records it yields (records, lists, refs, reverse relations)
  Location location;
  std::vector<const Field*> nodes;
  json::object args;
  std::vector<PlanField> children;
  std::string key_json;  // `"key":`, written once per object
  // A record's own value (kProperty on a record type, kRef): its column in the row and type.
  std::size_t column = 0;
  resources::FieldType column_type = resources::FieldType::kText;
  bool stored_leaf = false;  // a record's scalar or enum value: written straight from the row

  std::optional<FieldError> error;                    // the field failed (for every parent)
  std::optional<Row> record;                          // kRecord (when readable), kCreate, kUpdate
  Connection connection;                              // kList, kUsers
  json::value value;                                  // kMe (a user or null), kDelete (the id)
  std::unordered_map<std::string, Row> refs;          // kRef: the readable targets by id
  std::unordered_map<std::string, Connection> pages;  // kReverse: by parent id
};

bool wants_total(const PlanField& connection) {
  return std::any_of(connection.children.begin(), connection.children.end(),
                     [](const PlanField& c) { return c.def->name == "totalCount"; });
}

/// Builds the plan of an operation (spec §6.3.2 CollectFields, fragments expanded, @skip and
/// @include applied). keel has no interfaces or unions, so a fragment applies exactly when its
/// type condition is the type it is spread in.
class Planner {
 public:
  Planner(const Schema& schema, const resources::Model& model, const Document& document,
          const json::object& variables)
      : schema_(schema), model_(model), document_(document), variables_(variables) {}

  /// The fields of `sets` on `type`, whose objects are records of `records`, or connections
  /// (pages) of `pages`, or neither.
  std::vector<PlanField> plan(const NamedType& type, const std::vector<const std::vector<Selection>*>& sets,
                              const Resource* records = nullptr, const Resource* pages = nullptr) const {
    std::vector<PlanField> fields;
    std::set<std::string, std::less<>> visited;
    for (const auto* set : sets) collect(type, *set, fields, visited);
    for (PlanField& f : fields) {
      f.args = argument_values(schema_, f.def->arguments, f.nodes.front()->arguments, variables_);
      f.type = schema_.find_type(f.def->type.named_type());
      append_json_string(f.key_json, f.key);
      f.key_json += ':';
      const Binding& b = f.def->binding;
      if (!b.resource.empty() && b.kind != Kind::kMe && b.kind != Kind::kUsers) f.resource = model_.find(b.resource);
      if (records) locate_column(f, *records);
      if (f.type && f.type->kind == TypeKind::kObject) {
        std::vector<const std::vector<Selection>*> below;
        for (const Field* node : f.nodes) below.push_back(&node->selection_set);
        switch (b.kind) {
          case Kind::kRecord:
          case Kind::kCreate:
          case Kind::kUpdate:
          case Kind::kRef:
            f.children = plan(*f.type, below, f.resource);
            break;
          case Kind::kList:
          case Kind::kReverse:
            f.children = plan(*f.type, below, nullptr, f.resource);
            break;
          default:
            f.children = plan(*f.type, below, pages && f.def->name == "nodes" ? pages : nullptr);
            break;
        }
      }
    }
    return fields;
  }

 private:
  void collect(const NamedType& type, const std::vector<Selection>& set, std::vector<PlanField>& into,
               std::set<std::string, std::less<>>& visited) const {
    for (const Selection& selection : set) {
      if (const auto* field = std::get_if<Field>(&selection)) {
        if (!included(field->directives)) continue;
        const std::string& key = field->response_key();
        const auto same = std::find_if(into.begin(), into.end(), [&](const PlanField& p) { return p.key == key; });
        if (same != into.end()) {
          same->nodes.push_back(field);
          continue;
        }
        const FieldDef* def = schema_.selectable_field(type, field->name);
        if (!def) continue;  // the validator refused it already
        PlanField p;
        p.key = key;
        p.def = def;
        p.parent = &type;
        p.location = field->location;
        p.nodes.push_back(field);
        into.push_back(std::move(p));
      } else if (const auto* spread = std::get_if<FragmentSpread>(&selection)) {
        if (!included(spread->directives) || !visited.insert(spread->name).second) continue;
        const auto fragment = std::find_if(document_.fragments.begin(), document_.fragments.end(),
                                           [&](const FragmentDefinition& d) { return d.name == spread->name; });
        if (fragment == document_.fragments.end() || fragment->type_condition != type.name) continue;
        collect(type, fragment->selection_set, into, visited);
      } else {
        const auto& inline_fragment = std::get<InlineFragment>(selection);
        if (!included(inline_fragment.directives)) continue;
        if (inline_fragment.type_condition && *inline_fragment.type_condition != type.name) continue;
        collect(type, inline_fragment.selection_set, into, visited);
      }
    }
  }

  // Where a field of a record of `r` is in its row: id first, the declared fields, then owner,
  // created, updated (Resource::select_list).
  static void locate_column(PlanField& f, const Resource& r) {
    using resources::FieldType;
    const std::string& name = f.def->name;
    if (f.def->binding.kind == Kind::kRef) {
      f.column = static_cast<std::size_t>(r.field_index(f.def->binding.field) + 1);
      f.column_type = FieldType::kRef;
    } else if (f.def->binding.kind != Kind::kProperty) {
      return;
    } else if (name == "id") {
      f.column = 0;
      f.column_type = FieldType::kRef;
    } else if (name == "ownerId") {
      f.column = r.owner_column();
      f.column_type = FieldType::kRef;
    } else if (name == "createdAt" || name == "updatedAt") {
      f.column = name == "createdAt" ? r.created_column() : r.updated_column();
      f.column_type = FieldType::kDatetime;
    } else if (const int i = r.field_index(name); i >= 0) {
      f.column = static_cast<std::size_t>(i) + 1;
      f.column_type = r.decl.fields[static_cast<std::size_t>(i)].type;
    } else {
      return;
    }
    f.stored_leaf = f.def->binding.kind == Kind::kProperty && !f.def->type.is_list();
  }

  // @skip(if: true) and @include(if: false) leave a selection out.
  bool included(const std::vector<Directive>& directives) const {
    for (const Directive& d : directives) {
      if (d.name != "skip" && d.name != "include") continue;
      const DirectiveDef* def = schema_.find_directive(d.name);
      const json::object args = argument_values(schema_, def->arguments, d.arguments, variables_);
      const json::value* condition = args.if_contains("if");
      const bool yes = condition && condition->is_bool() && condition->as_bool();
      if (d.name == "skip" ? yes : !yes) return false;
    }
    return true;
  }

  const Schema& schema_;
  const resources::Model& model_;
  const Document& document_;
  const json::object& variables_;
};

/// An object value being completed.
struct Parent {
  enum class Kind { kRoot, kRecord, kConnection, kPageInfo, kJson };
  Kind kind = Kind::kRoot;
  const Resource* resource = nullptr;  // kRecord
  const Row* row = nullptr;            // kRecord
  const Connection* connection = nullptr;  // kConnection, kPageInfo
  const json::value* json = nullptr;   // kJson: an introspection object or a user
};

/// What a field is for one parent, before it is written as its type says.
struct Resolved {
  enum class Kind { kNull, kError, kText, kInt, kBool, kStored, kJson, kObject, kRecords, kUsers };
  Kind kind = Kind::kNull;
  std::string_view text;                       // kText
  std::int64_t number = 0;                     // kInt; kBool: 0 or 1
  resources::FieldType stored_type{};          // kStored
  const storage::Value* stored = nullptr;      // kStored
  const json::value* json = nullptr;           // kJson
  Parent object;                               // kObject
  const Connection* connection = nullptr;      // kRecords, kUsers: its nodes
  const FieldError* error = nullptr;           // kError
};

Resolved text_of(std::string_view s) {
  Resolved r;
  r.kind = Resolved::Kind::kText;
  r.text = s;
  return r;
}

Resolved stored_of(resources::FieldType type, const storage::Value& v) {
  Resolved r;
  r.kind = Resolved::Kind::kStored;
  r.stored_type = type;
  r.stored = &v;
  return r;
}

Resolved object_of(Parent p) {
  Resolved r;
  r.kind = Resolved::Kind::kObject;
  r.object = p;
  return r;
}

Resolved error_of(const FieldError& e) {
  Resolved r;
  r.kind = Resolved::Kind::kError;
  r.error = &e;
  return r;
}

Resolved json_of(const json::value* v) {
  Resolved r;
  if (v) {
    r.kind = Resolved::Kind::kJson;
    r.json = v;
  }
  return r;
}

/// A path entry: a response key or a list index.
using PathItem = std::variant<std::string_view, std::size_t>;

struct ResponseError {
  std::string message;
  std::vector<Location> locations;
  std::vector<PathItem> path;
  std::string code;
  ErrorDetails details;
};

void append_location(std::string& out, const Location& l) {
  fmt::format_to(std::back_inserter(out), R"({{"line":{},"column":{}}})", l.line, l.column);
}

void append_error(std::string& out, const ResponseError& e) {
  out += "{\"message\":";
  append_json_string(out, e.message);
  if (!e.locations.empty()) {
    out += ",\"locations\":[";
    for (std::size_t i = 0; i < e.locations.size(); ++i) {
      if (i) out += ',';
      append_location(out, e.locations[i]);
    }
    out += ']';
  }
  if (!e.path.empty()) {
    out += ",\"path\":[";
    for (std::size_t i = 0; i < e.path.size(); ++i) {
      if (i) out += ',';
      if (const auto* key = std::get_if<std::string_view>(&e.path[i])) append_json_string(out, *key);
      else fmt::format_to(std::back_inserter(out), "{}", std::get<std::size_t>(e.path[i]));
    }
    out += ']';
  }
  out += ",\"extensions\":{\"code\":";
  append_json_string(out, e.code);
  if (!e.details.empty()) {
    out += ",\"details\":{";
    bool first = true;
    for (const auto& [field, why] : e.details) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, field);
      out += ':';
      append_json_string(out, why);
    }
    out += '}';
  }
  out += "}}";
}

std::string errors_body(const std::vector<GraphqlError>& errors) {
  std::string out = "{\"errors\":[";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i) out += ',';
    append_error(out, ResponseError{errors[i].message, errors[i].locations, {}, errors[i].code, {}});
  }
  out += "]}";
  return out;
}

Outcome refused(const std::vector<GraphqlError>& errors) {
  return Outcome{Outcome::Kind::kRefused, errors_body(errors)};
}

/// What one request runs with.
struct Services {
  const Schema& schema;
  const resources::Model& model;
  resources::ResourceService& resources;
  users::UserService& users;
  const lists::CursorCodec& cursors;
  const IntrospectionData& introspection;
};

/// One operation's execution: load (level by level, each field once for all its parents), then
/// complete the response from what was loaded.
class Execution {
 public:
  Execution(const Services& services, std::optional<Principal> caller)
      : s_(services), caller_(std::move(caller)), caller_id_(caller_ ? caller_->user_id : std::string()) {}

  Task<std::string> run(std::vector<PlanField>& root, bool mutation) {
    for (PlanField& f : root) {
      co_await load_root(f);
      // Mutation fields are non-null and run one after another: the first that fails makes
      // `data` null, so nothing after it runs (as graphql-js's serial execution).
      if (mutation && f.error) break;
    }
    std::string body = "{\"data\":";
    body.reserve(4096);
    Parent root_parent;
    if (!complete_object(body, root, root_parent)) {
      body.resize(8);  // `{"data":`
      body += "null";
    }
    if (!errors_.empty()) {
      body += ",\"errors\":[";
      for (std::size_t i = 0; i < errors_.size(); ++i) {
        if (i) body += ',';
        append_error(body, errors_[i]);
      }
      body += ']';
    }
    body += '}';
    co_return body;
  }

 private:
  // ---- Loading ----

  // Root lists share their cursors with REST (an empty scope); a reverse relation's are its own.
  static std::string scope_of(const PlanField& f) {
    return f.def->binding.kind == Kind::kReverse ? f.parent->name + "." + f.def->name : std::string();
  }

  lists::ListQuery query_of(const PlanField& f, const lists::Catalog& catalog) const {
    return list_query(s_.schema, *f.def, f.args, catalog, s_.cursors, caller_id_, scope_of(f), wants_total(f));
  }

  static std::string string_arg(const PlanField& f, const char* name) {
    const json::value* v = f.args.if_contains(name);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }

  static json::object input_of(const PlanField& f) {
    const json::value* v = f.args.if_contains("input");
    return v && v->is_object() ? v->as_object() : json::object();
  }

  Task<void> load_root(PlanField& f) {
    const Kind kind = f.def->binding.kind;
    try {
      switch (kind) {
        case Kind::kRecord:
          f.record = co_await s_.resources.find(*f.resource, caller_, string_arg(f, "id"));
          break;
        case Kind::kList: {
          lists::ListQuery q = query_of(f, f.resource->catalog);
          lists::Page page = co_await s_.resources.page(*f.resource, caller_, std::move(q));
          f.connection.resource = f.resource;
          f.connection.rows = std::move(page.rows);
          f.connection.end_cursor = std::move(page.next_cursor);
          f.connection.total = page.total.value_or(0);
          break;
        }
        case Kind::kCreate:
          f.record = co_await s_.resources.create_row(*f.resource, caller_, input_of(f));
          break;
        case Kind::kUpdate:
          f.record = co_await s_.resources.update_row(*f.resource, caller_, string_arg(f, "id"), input_of(f),
                                                      std::nullopt);
          break;
        case Kind::kDelete: {
          std::string id = string_arg(f, "id");
          co_await s_.resources.remove(*f.resource, caller_, id, std::nullopt);
          f.value = json::string(id);
          break;
        }
        case Kind::kMe:
          f.value = nullptr;
          if (caller_) f.value = co_await signed_in_user();
          break;
        case Kind::kUsers: {
          if (!caller_) throw Error::unauthorized();
          lists::ListQuery q = query_of(f, users::users_catalog());
          users::UserPage page = co_await s_.users.list(*caller_, std::move(q));
          for (const users::User& u : page.users) f.connection.users.emplace_back(users::user_json(u));
          f.connection.end_cursor = std::move(page.page.next_cursor);
          f.connection.total = page.page.total.value_or(0);
          break;
        }
        default:
          break;  // __typename, __schema and __type are completed from the schema
      }
    } catch (const Error& e) {
      f.error = field_error(e);
    }
    if (f.error) co_return;
    if (f.record) {
      std::vector<const Row*> rows{&*f.record};
      co_await load_records(f.children, *f.resource, rows);
    } else if (kind == Kind::kList) {
      co_await load_nodes(f.children, f.connection);
    }
  }

  // `me`: null when the token's user is gone.
  Task<json::value> signed_in_user() {
    std::optional<users::User> user;
    try {
      user = co_await s_.users.get(*caller_, caller_->user_id);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
    }
    co_return user ? json::value(users::user_json(*user)) : json::value(nullptr);
  }

  // The `nodes` of a connection (under any alias) are records of the connection's resource.
  Task<void> load_nodes(std::vector<PlanField>& children, const Connection& connection) {
    if (!connection.resource) co_return;
    std::vector<const Row*> rows;
    for (const Row& row : connection.rows) rows.push_back(&row);
    for (PlanField& c : children) {
      if (c.def->name == "nodes") co_await load_records(c.children, *connection.resource, rows);
    }
  }

  // The fields below records `rows` of `r` that read more records: each once for all the rows.
  Task<void> load_records(std::vector<PlanField>& children, const Resource& r, const std::vector<const Row*>& rows) {
    if (rows.empty()) co_return;
    for (PlanField& c : children) {
      const Binding& b = c.def->binding;
      if (b.kind == Kind::kRef) {
        co_await load_refs(c, r, rows);
      } else if (b.kind == Kind::kReverse) {
        co_await load_reverse(c, rows);
      }
    }
  }

  Task<void> load_refs(PlanField& c, const Resource& r, const std::vector<const Row*>& rows) {
    const auto column = static_cast<std::size_t>(r.field_index(c.def->binding.field) + 1);
    std::vector<std::string> ids;
    std::unordered_set<std::string_view> seen;
    for (const Row* row : rows) {
      const auto* id = std::get_if<std::string>(&(*row)[column]);
      if (id && seen.insert(*id).second) ids.push_back(*id);
    }
    if (ids.empty()) co_return;
    try {
      std::vector<Row> found = co_await s_.resources.readable(*c.resource, caller_, std::move(ids));
      for (Row& row : found) {
        std::string id = std::get<std::string>(row[0]);
        c.refs.emplace(std::move(id), std::move(row));
      }
    } catch (const Error& e) {
      c.error = field_error(e);
    }
    if (c.error) co_return;
    std::vector<const Row*> targets;
    for (const auto& [id, row] : c.refs) targets.push_back(&row);
    co_await load_records(c.children, *c.resource, targets);
  }

  Task<void> load_reverse(PlanField& c, const std::vector<const Row*>& rows) {
    std::vector<std::string> parents;
    for (const Row* row : rows) parents.push_back(std::get<std::string>((*row)[0]));
    const auto field = static_cast<std::size_t>(c.resource->field_index(c.def->binding.field));
    try {
      lists::ListQuery q = query_of(c, c.resource->catalog);
      std::map<std::string, resources::RefPage> pages =
          co_await s_.resources.pages_by_ref(*c.resource, caller_, field, std::move(parents), std::move(q));
      for (auto& [id, page] : pages) {
        Connection& connection = c.pages[id];
        connection.resource = c.resource;
        connection.rows = std::move(page.rows);
        connection.end_cursor = std::move(page.next_cursor);
        connection.total = page.total;
      }
    } catch (const Error& e) {
      c.error = field_error(e);
    }
    if (c.error) co_return;
    std::vector<const Row*> listed;
    for (const auto& [id, connection] : c.pages) {
      for (const Row& row : connection.rows) listed.push_back(&row);
    }
    for (PlanField& n : c.children) {
      if (n.def->name == "nodes") co_await load_records(n.children, *c.resource, listed);
    }
  }

  // ---- Completion ----

  Resolved resolve(const PlanField& f, const Parent& p) const {
    const Binding& b = f.def->binding;
    if (b.kind == Kind::kTypename) return text_of(f.parent->name);
    switch (p.kind) {
      case Parent::Kind::kRoot:
        return resolve_root(f);
      case Parent::Kind::kRecord:
        return resolve_record_field(f, *p.row);
      case Parent::Kind::kConnection: {
        const std::string& name = f.def->name;
        if (name == "nodes") {
          Resolved r;
          r.kind = p.connection->resource ? Resolved::Kind::kRecords : Resolved::Kind::kUsers;
          r.connection = p.connection;
          return r;
        }
        if (name == "pageInfo") return object_of(Parent{Parent::Kind::kPageInfo, nullptr, nullptr, p.connection, nullptr});
        Resolved r;  // totalCount
        r.kind = Resolved::Kind::kInt;
        r.number = p.connection->total;
        return r;
      }
      case Parent::Kind::kPageInfo: {
        if (f.def->name == "hasNextPage") {
          Resolved r;
          r.kind = Resolved::Kind::kBool;
          r.number = p.connection->end_cursor ? 1 : 0;
          return r;
        }
        return p.connection->end_cursor ? text_of(*p.connection->end_cursor) : Resolved{};
      }
      case Parent::Kind::kJson: {
        const json::object* object = p.json->if_object();
        return json_of(object ? object->if_contains(f.def->name) : nullptr);
      }
    }
    return {};
  }

  Resolved resolve_root(const PlanField& f) const {
    if (f.error) return error_of(*f.error);
    switch (f.def->binding.kind) {
      case Kind::kSchema:
        return json_of(&s_.introspection.schema);
      case Kind::kType:
        return json_of(s_.introspection.types.if_contains(string_arg(f, "name")));
      case Kind::kRecord:
      case Kind::kCreate:
      case Kind::kUpdate:
        if (!f.record) return {};
        return object_of(Parent{Parent::Kind::kRecord, f.resource, &*f.record, nullptr, nullptr});
      case Kind::kList:
      case Kind::kUsers:
        return object_of(Parent{Parent::Kind::kConnection, nullptr, nullptr, &f.connection, nullptr});
      case Kind::kDelete:
        return f.value.is_string() ? text_of(f.value.as_string()) : Resolved{};
      case Kind::kMe:
        return f.value.is_null() ? Resolved{} : json_of(&f.value);
      default:
        return {};
    }
  }

  Resolved resolve_record_field(const PlanField& f, const Row& row) const {
    const Binding& b = f.def->binding;
    if (b.kind == Kind::kRef) {
      const auto* id = std::get_if<std::string>(&row[f.column]);
      if (!id) return {};
      if (f.error) return error_of(*f.error);
      const auto target = f.refs.find(*id);
      if (target == f.refs.end()) return {};  // gone, or not the caller's to read: null, as REST's expand
      return object_of(Parent{Parent::Kind::kRecord, f.resource, &target->second, nullptr, nullptr});
    }
    if (b.kind == Kind::kReverse) {
      if (f.error) return error_of(*f.error);
      const auto page = f.pages.find(std::get<std::string>(row[0]));
      const Connection* connection = page == f.pages.end() ? &kNoRecords : &page->second;
      return object_of(Parent{Parent::Kind::kConnection, nullptr, nullptr, connection, nullptr});
    }
    return stored_of(f.column_type, row[f.column]);
  }

  static bool is_null(const Resolved& v) {
    switch (v.kind) {
      case Resolved::Kind::kNull:
        return true;
      case Resolved::Kind::kStored:
        return std::holds_alternative<std::nullptr_t>(*v.stored);
      case Resolved::Kind::kJson:
        return v.json->is_null();
      default:
        return false;
    }
  }

  void add_error(ResponseError e) {
    if (errors_.size() < kMaxResponseErrors) errors_.push_back(std::move(e));
  }

  void add_error(const FieldError& e, const PlanField& f) {
    add_error(ResponseError{e.message, {f.location}, path_, e.code, e.details});
  }

  // Writes `f`'s value for `p`; false when it is null where its type forbids (the object
  // holding it becomes null).
  bool complete_object(std::string& out, const std::vector<PlanField>& fields, const Parent& p) {
    out += '{';
    bool first = true;
    for (const PlanField& f : fields) {
      if (!first) out += ',';
      first = false;
      out += f.key_json;
      if (p.kind == Parent::Kind::kRecord && f.stored_leaf) {
        // Most of a response: a record's own value, written as REST writes it.
        const storage::Value& v = (*p.row)[f.column];
        if (!std::holds_alternative<std::nullptr_t>(v)) {
          resources::append_value_json(out, f.column_type, v);
          continue;
        }
      }
      path_.emplace_back(std::string_view(f.key));
      const bool ok = complete(out, f, f.def->type, resolve(f, p));
      path_.pop_back();
      if (!ok) return false;
    }
    out += '}';
    return true;
  }

  // Writes `v` as `type` says (spec §6.4.3 CompleteValue).
  bool complete(std::string& out, const PlanField& f, const TypeRef& type, const Resolved& v) {
    if (v.kind == Resolved::Kind::kError) {
      add_error(*v.error, f);
      if (type.non_null) return false;
      out += "null";
      return true;
    }
    if (is_null(v)) {
      if (type.non_null) {
        add_error(ResponseError{fmt::format("Cannot return null for non-nullable field {}.{}.", f.parent->name,
                                            f.def->name),
                                {f.location}, path_, error_code_name(ErrorCode::kInternal), {}});
        return false;
      }
      out += "null";
      return true;
    }
    const std::size_t mark = out.size();
    bool ok = true;
    if (type.is_list()) {
      ok = complete_list(out, f, *type.of_type, v);
    } else if (f.type && f.type->kind == TypeKind::kObject) {
      ok = complete_object_value(out, f, v);
    } else {
      append_leaf(out, v);
    }
    if (ok) return true;
    out.resize(mark);
    if (type.non_null) return false;
    out += "null";
    return true;
  }

  bool complete_list(std::string& out, const PlanField& f, const TypeRef& item, const Resolved& v) {
    out += '[';
    std::size_t count = 0;
    if (v.kind == Resolved::Kind::kRecords) count = v.connection->rows.size();
    else if (v.kind == Resolved::Kind::kUsers) count = v.connection->users.size();
    else if (v.kind == Resolved::Kind::kJson && v.json->is_array()) count = v.json->as_array().size();
    for (std::size_t i = 0; i < count; ++i) {
      if (i) out += ',';
      Resolved element;
      if (v.kind == Resolved::Kind::kRecords) {
        element = object_of(
            Parent{Parent::Kind::kRecord, v.connection->resource, &v.connection->rows[i], nullptr, nullptr});
      } else if (v.kind == Resolved::Kind::kUsers) {
        element = json_of(&v.connection->users[i]);
      } else {
        element = json_of(&v.json->as_array()[i]);
      }
      path_.emplace_back(i);
      const bool ok = complete(out, f, item, element);
      path_.pop_back();
      if (!ok) return false;
    }
    out += ']';
    return true;
  }

  bool complete_object_value(std::string& out, const PlanField& f, const Resolved& v) {
    if (v.kind == Resolved::Kind::kObject) return complete_object(out, f.children, v.object);
    // A JSON object (a user, an introspection object), or a type's name standing for its __Type.
    const json::value* object = v.json;
    if (object->is_string()) object = s_.introspection.types.if_contains(object->as_string());
    if (!object) {
      out += "null";
      return true;
    }
    return complete_object(out, f.children, Parent{Parent::Kind::kJson, nullptr, nullptr, nullptr, object});
  }

  static void append_leaf(std::string& out, const Resolved& v) {
    switch (v.kind) {
      case Resolved::Kind::kText:
        append_json_string(out, v.text);
        break;
      case Resolved::Kind::kInt:
        fmt::format_to(std::back_inserter(out), "{}", v.number);
        break;
      case Resolved::Kind::kBool:
        out += v.number ? "true" : "false";
        break;
      case Resolved::Kind::kStored:
        resources::append_value_json(out, v.stored_type, *v.stored);
        break;
      case Resolved::Kind::kJson:
        out += json::serialize(*v.json);
        break;
      default:
        out += "null";
        break;
    }
  }

  const Services& s_;
  std::optional<Principal> caller_;
  std::string caller_id_;
  std::vector<PathItem> path_;
  std::vector<ResponseError> errors_;
};

}  // namespace

std::string error_body(const Error& error) {
  std::string out = "{\"errors\":[";
  append_error(out, ResponseError{error.message(), {}, {}, error_code_name(error.code()), error.details()});
  out += "]}";
  return out;
}

Executor::Executor(const Schema& schema, const resources::Model& model, resources::ResourceService& resources,
                   users::UserService& users, const lists::CursorCodec& cursors, RequestLimits limits)
    : schema_(schema),
      model_(model),
      resources_(resources),
      users_(users),
      cursors_(cursors),
      limits_(limits),
      introspection_(introspection_data(schema)) {}

std::shared_ptr<const Executor::Prepared> Executor::prepare(const std::string& query) const {
  {
    const std::lock_guard lock(documents_mutex_);
    if (const auto it = documents_.find(query); it != documents_.end()) return it->second;
  }
  auto prepared = std::make_shared<Prepared>();
  try {
    prepared->document = parse(query, limits_.parse);
    prepared->errors = validate(prepared->document, schema_, limits_);
  } catch (const SyntaxError& e) {
    prepared->errors = {to_graphql_error(e)};
  }
  if (prepared->errors.empty() && query.size() <= kDocumentCacheBytes / 8) {
    const std::lock_guard lock(documents_mutex_);
    if (document_bytes_ + query.size() > kDocumentCacheBytes) {
      documents_.clear();
      document_bytes_ = 0;
    }
    if (documents_.emplace(query, prepared).second) document_bytes_ += query.size();
  }
  return prepared;
}

Task<Outcome> Executor::run(Request request, std::optional<Principal> caller) const {
  // Everything that can refuse the request runs before anything touches a database.
  const std::shared_ptr<const Prepared> prepared = prepare(request.query);
  if (!prepared->errors.empty()) co_return refused(prepared->errors);
  const Document& document = prepared->document;
  std::vector<GraphqlError> errors;
  std::optional<std::string_view> name;
  if (request.operation_name) name = *request.operation_name;
  const OperationChoice choice = select_operation(document, name);
  if (!choice.operation) co_return refused({*choice.error});
  const OperationDefinition& operation = *choice.operation;
  const bool mutation = operation.operation == OperationType::kMutation;
  if (mutation && request.read_only) {
    GraphqlError error{"Mutations can only be sent with POST", {operation.location},
                       error_code_name(ErrorCode::kMethodNotAllowed)};
    co_return Outcome{Outcome::Kind::kMutationOverGet, errors_body({error})};
  }
  CoercedVariables variables = coerce_variables(schema_, operation, request.variables);
  if (!variables.errors.empty()) co_return refused(variables.errors);
  errors = check_limits(document, operation, schema_, variables.values, limits_);
  if (!errors.empty()) co_return refused(errors);

  const NamedType* root = schema_.find_type(mutation ? schema_.mutation_type() : schema_.query_type());
  const Planner planner(schema_, model_, document, variables.values);
  std::vector<const std::vector<Selection>*> sets{&operation.selection_set};
  std::vector<PlanField> plan = planner.plan(*root, sets);
  const Services services{schema_, model_, resources_, users_, cursors_, introspection_};
  Execution execution(services, std::move(caller));
  std::string body = co_await execution.run(plan, mutation);
  co_return Outcome{Outcome::Kind::kExecuted, std::move(body)};
}

}  // namespace keel::graphql
