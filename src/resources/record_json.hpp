#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/fwd.hpp>

#include "resources/resource_model.hpp"
#include "storage/database.hpp"

namespace keel::resources {

/// A request body's field values in declaration order: nullopt where the body does not set the
/// field, a storage value (possibly NULL) where it does.
using FieldValues = std::vector<std::optional<storage::Value>>;

/// Checks a create body against the declaration, collecting every field problem into one
/// Error::validation: unknown and server-set fields, types, required, min/max, lengths,
/// patterns, enum values, formats. Defaults fill the fields the body leaves out; the result
/// has a value for every field.
std::vector<storage::Value> parse_create(const Resource& r, const boost::json::object& body);

/// The same for an update: only the fields the body names; `required` fields may not be set
/// to null or empty. Throws Error::validation.
FieldValues parse_patch(const Resource& r, const boost::json::object& body);

/// Records of ref targets, rendered, by id (for expand).
using Expansions = std::map<std::string, std::map<std::string, std::string>>;  // field -> id -> JSON

/// Appends one stored row (in the resource's select_list order) as the record's JSON object.
/// `fields`, when not empty, keeps only those (and id); a ref field named in `expansions`
/// shows the referenced record where one was found.
void append_record_json(std::string& out, const Resource& r, const std::vector<storage::Value>& row,
                        const std::vector<std::string>& fields = {}, const Expansions* expansions = nullptr);

/// Appends one stored value as the record's JSON shows it (a boolean as true/false, a json field
/// as its stored JSON, a datetime as its text, null as null): GraphQL writes fields one by one.
void append_value_json(std::string& out, FieldType type, const storage::Value& v);

/// The record's JSON object as a string.
std::string record_json(const Resource& r, const std::vector<storage::Value>& row);

/// A strong ETag for the record as rendered: quoted hex of a hash of its JSON.
std::string etag_of(std::string_view record_json);

}  // namespace keel::resources
