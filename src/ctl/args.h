// flamectl's command line: `flamectl <command> [<subcommand>] [flags] [arguments]`, flags as
// `--name=value` or `--name value` (GNU style, as profilecli), `-h`/`--help` anywhere.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace flamedb::ctl {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>, std::less<>> flags;  // Repeatable.
  bool help = false;

  // The last value of `name`, or `def`.
  std::string Get(std::string_view name, std::string def = "") const;
  bool Has(std::string_view name) const { return flags.contains(name); }
};

// Parses `argv` (without the program name). `known` lists the flags that take a value,
// `switches` those that do not. Errors: kInvalidArgument naming an unknown flag or a flag
// without its value.
Result<Args> ParseArgs(std::span<const std::string> argv, const std::set<std::string>& known,
                       const std::set<std::string>& switches = {});

}  // namespace flamedb::ctl
