#include "ctl/args.h"

namespace flamedb::ctl {

std::string Args::Get(std::string_view name, std::string def) const {
  const auto it = flags.find(name);
  return it == flags.end() || it->second.empty() ? def : it->second.back();
}

Result<Args> ParseArgs(std::span<const std::string> argv, const std::set<std::string>& known,
                       const std::set<std::string>& switches) {
  Args out;
  bool only_positional = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a == "-h" || a == "--help" || a == "-help") {
      out.help = true;
      continue;
    }
    const size_t dashes = a.starts_with("--") ? 2 : 1;
    const size_t eq = a.find('=');
    const std::string name = a.substr(dashes, eq == std::string::npos ? std::string::npos
                                                                      : eq - dashes);
    if (switches.contains(name)) {
      // --name alone, or --name=true / --name=false as Go's flag package takes them.
      const std::string value = eq == std::string::npos ? "true" : a.substr(eq + 1);
      if (value != "true" && value != "false") {
        return InvalidArgumentError("flag --" + name + " takes no value (or =true, =false)");
      }
      out.flags[name].push_back(value);
      continue;
    }
    if (!known.contains(name)) return InvalidArgumentError("unknown flag --" + name);
    if (eq != std::string::npos) {
      out.flags[name].push_back(a.substr(eq + 1));
    } else if (i + 1 < argv.size()) {
      out.flags[name].push_back(argv[++i]);
    } else {
      return InvalidArgumentError("flag --" + name + " needs a value");
    }
  }
  return out;
}

}  // namespace flamedb::ctl
