#pragma once

#include <stdexcept>
#include <string>

#include "resources/declarations.hpp"

namespace keel::resources {

/// A mistake in the resources file; what() names the file, the line, the resource and the field.
class ResourcesFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads and checks a resources file (YAML): unknown types and keys, refs to undeclared
/// resources, patterns RE2 can't compile, defaults that break their own constraints, reserved
/// field names and bad access rules are all refused. Throws ResourcesFileError.
Declarations load_resources_file(const std::string& path);

/// The same, from text (`origin` names it in messages).
Declarations parse_resources(const std::string& text, const std::string& origin);

}  // namespace keel::resources
