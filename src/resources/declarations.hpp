#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace keel::resources {

enum class FieldType { kString, kText, kInteger, kNumber, kBoolean, kDatetime, kEnum, kEmail, kUrl, kJson, kRef };
enum class OnDelete { kCascade, kRestrict, kSetNull };
enum class Operation { kList, kRead, kCreate, kUpdate, kDelete };

/// One field of a resource, as the resources file declares it (API.md §5).
struct FieldDecl {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  bool unique = false;
  std::optional<boost::json::value> default_value;
  std::optional<double> min, max;
  std::optional<std::int64_t> min_length, max_length;
  std::optional<std::string> pattern;
  std::vector<std::string> values;  // enum
  std::string ref_resource;         // ref
  OnDelete on_delete = OnDelete::kRestrict;
  int line = 0;
};

/// Who may do an operation: any of the grants ("public", "authenticated", "owner", "admin",
/// "role:<name>").
using AccessRule = std::vector<std::string>;

struct ResourceDecl {
  std::string name;
  std::vector<FieldDecl> fields;
  std::vector<std::vector<std::string>> indexes;
  std::map<Operation, AccessRule> access;
  int line = 0;
};

/// Everything a resources file declares.
struct Declarations {
  std::vector<ResourceDecl> resources;
  std::vector<std::string> roles;  // beyond admin and user
};

}  // namespace keel::resources
