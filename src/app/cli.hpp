#pragma once

#include <string>
#include <vector>

namespace keel::app {

/// Runs the keel command line (`keel [serve|migrate|version|help] [--flags]`);
/// returns the process exit code: 0 ok, 1 runtime failure, 2 bad usage or configuration.
int run_cli(const std::vector<std::string>& args);

/// The --help text, listing every command and option.
std::string help_text();

}  // namespace keel::app
