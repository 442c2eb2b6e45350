#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/async.hpp"
#include "resources/record_json.hpp"
#include "resources/resource_model.hpp"
#include "storage/database.hpp"

namespace keel::resources {

/// A stored record, in its resource's select_list order.
using Row = std::vector<storage::Value>;

/// The SQL of resource records. Table and column names come from the declarations only;
/// every value is a bound parameter. Throws keel::Error from the database.
class ResourceStore {
 public:
  /// Builds the per-record statements of every resource of `model` in db's dialect, once:
  /// requests then only bind values.
  ResourceStore(storage::Database& db, const Model& model);

  /// The record with this id, if any.
  Task<std::optional<Row>> find(const Resource& r, std::string id);
  /// The same inside a transaction; where the dialect locks rows, it stays locked until it ends.
  Task<std::optional<Row>> find_for_update(storage::Transaction& tx, const Resource& r, std::string id);
  /// Whether a record exists and who owns it: nullopt when absent, else its owner ("" for none).
  Task<std::optional<std::string>> owner_of(storage::Transaction& tx, const Resource& r, std::string id);
  /// Whether a user with this id exists (an owner a create may name).
  Task<bool> user_exists(std::string user_id);
  /// Inserts a record and returns it as stored.
  Task<Row> insert(storage::Transaction& tx, const Resource& r, std::vector<storage::Value> values,
                   std::optional<std::string> owner);
  /// Sets the given fields (and updatedAt) and returns the record as stored.
  Task<Row> update(storage::Transaction& tx, const Resource& r, std::string id, const FieldValues& changes);
  /// Deletes a record; refs' onDelete rules apply (a restrict answers CONFLICT).
  Task<void> remove(storage::Transaction& tx, const Resource& r, std::string id);
  /// Inside `tx`: the records of `r` whose field `field` holds one of `ids`, locked where the
  /// dialect locks rows (what a delete of those ids cascades to or sets to null).
  Task<std::vector<Row>> referencing(storage::Transaction& tx, const Resource& r, std::size_t field,
                                     std::vector<std::string> ids);
  /// Inside `tx`: the records of `r` that `user_id` owns, locked as above (what the user's
  /// deletion takes with it).
  Task<std::vector<Row>> owned_by(storage::Transaction& tx, const Resource& r, std::string user_id);
  /// The records of these ids, optionally only those `owner` owns: one statement.
  Task<std::vector<Row>> find_many(const Resource& r, std::vector<std::string> ids,
                                   std::optional<std::string> owner);

  storage::Database& database() noexcept { return db_; }

 private:
  struct Statements {
    std::string find;    // $1 id
    std::string lock;    // the same, row-locked for a write
    std::string owner;   // owner_id of $1, kept until the transaction ends
    std::string insert;  // $1 id, the fields in order, then owner, createdAt, updatedAt; RETURNING the row
    std::string remove;  // $1 id
    std::string owned;   // owner_id = $1, locked
  };

  const Statements& statements(const Resource& r) const { return statements_.at(&r); }

  storage::Database& db_;
  std::unordered_map<const Resource*, Statements> statements_;  // the Model's resources stay put
};

}  // namespace keel::resources
