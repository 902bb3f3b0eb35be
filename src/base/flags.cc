#include "base/flags.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace flamedb::base {
namespace {

Status BadValue(const Flag& flag, std::string_view value, const Status& why) {
  return InvalidArgumentError("invalid value \"" + std::string(value) + "\" for flag -" +
                              flag.name + ": " + std::string(why.message()));
}

Result<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return InvalidArgumentError("not an integer");
  }
  return v;
}

Result<double> ParseDouble(std::string_view text) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return InvalidArgumentError("not a number");
  }
  return v;
}

std::string FormatDouble(double v) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, result.ptr);
}

}  // namespace

Result<bool> ParseBool(std::string_view text) {
  static constexpr std::string_view kTrue[] = {"1", "t", "T", "true", "TRUE", "True"};
  static constexpr std::string_view kFalse[] = {"0", "f", "F", "false", "FALSE", "False"};
  if (std::find(std::begin(kTrue), std::end(kTrue), text) != std::end(kTrue)) {
    return true;
  }
  if (std::find(std::begin(kFalse), std::end(kFalse), text) != std::end(kFalse)) {
    return false;
  }
  return InvalidArgumentError("not a bool (use true or false)");
}

Flag& FlagSet::Add(std::string name, FlagType type, std::string help, FlagOptions opts) {
  FLAMEDB_CHECK(Find(name) == nullptr);
  for (const auto& f : flags_) {
    FLAMEDB_CHECK(opts.yaml.empty() || f->yaml != opts.yaml);
  }
  auto flag = std::make_unique<Flag>();
  flag->name = std::move(name);
  flag->yaml = std::string(opts.yaml);
  flag->type = type;
  flag->help = std::move(help);
  flag->secret = opts.secret;
  flag->hidden = opts.hidden;
  flags_.push_back(std::move(flag));
  return *flags_.back();
}

void FlagSet::Bool(std::string name, bool* target, bool def, std::string help, FlagOptions opts) {
  Flag& f = Add(std::move(name), FlagType::kBool, std::move(help), opts);
  *target = def;
  f.set = [target](std::string_view v) -> Status {
    FLAMEDB_ASSIGN_OR_RETURN(*target, ParseBool(v));
    return OkStatus();
  };
  f.current = [target] { return std::string(*target ? "true" : "false"); };
  f.default_text = f.current();
}

void FlagSet::Int(std::string name, int64_t* target, int64_t def, std::string help,
                  FlagOptions opts) {
  Flag& f = Add(std::move(name), FlagType::kInt, std::move(help), opts);
  *target = def;
  f.set = [target](std::string_view v) -> Status {
    FLAMEDB_ASSIGN_OR_RETURN(*target, ParseInt(v));
    return OkStatus();
  };
  f.current = [target] { return std::to_string(*target); };
  f.default_text = f.current();
}

void FlagSet::Double(std::string name, double* target, double def, std::string help,
                     FlagOptions opts) {
  Flag& f = Add(std::move(name), FlagType::kDouble, std::move(help), opts);
  *target = def;
  f.set = [target](std::string_view v) -> Status {
    FLAMEDB_ASSIGN_OR_RETURN(*target, ParseDouble(v));
    return OkStatus();
  };
  f.current = [target] { return FormatDouble(*target); };
  f.default_text = f.current();
}

void FlagSet::String(std::string name, std::string* target, std::string def, std::string help,
                     FlagOptions opts) {
  Flag& f = Add(std::move(name), FlagType::kString, std::move(help), opts);
  *target = std::move(def);
  f.set = [target](std::string_view v) -> Status {
    *target = std::string(v);
    return OkStatus();
  };
  f.current = [target] { return *target; };
  f.default_text = f.current();
}

void FlagSet::Duration(std::string name, base::Duration* target, base::Duration def,
                       std::string help, FlagOptions opts) {
  Flag& f = Add(std::move(name), FlagType::kDuration, std::move(help), opts);
  *target = def;
  f.set = [target](std::string_view v) -> Status {
    FLAMEDB_ASSIGN_OR_RETURN(*target, ParseDuration(v));
    return OkStatus();
  };
  f.current = [target] { return FormatDuration(*target); };
  f.default_text = f.current();
}

void FlagSet::Yaml(std::string name, std::string* target, std::string def, std::string help,
                   FlagOptions opts) {
  Flag& f = Add(std::move(name), FlagType::kYaml, std::move(help), opts);
  *target = std::move(def);
  f.set = [target](std::string_view v) -> Status {
    FLAMEDB_RETURN_IF_ERROR(CheckYaml(v));
    *target = std::string(v);
    return OkStatus();
  };
  f.current = [target] { return *target; };
  f.default_text = f.current();
}

const Flag* FlagSet::Find(std::string_view name) const {
  for (const auto& f : flags_) {
    if (f->name == name) {
      return f.get();
    }
  }
  return nullptr;
}

Flag* FlagSet::FindMutable(std::string_view name) {
  return const_cast<Flag*>(Find(name));
}

Result<std::vector<FlagSet::Assignment>> FlagSet::Tokenize(std::span<const std::string> args) {
  std::vector<Assignment> out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      if (i + 1 < args.size()) {
        return InvalidArgumentError("unexpected argument \"" + args[i + 1] +
                                    "\": flamedb takes only flags");
      }
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      return InvalidArgumentError("unexpected argument \"" + std::string(arg) +
                                  "\": flamedb takes only flags (see -help)");
    }
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    if (arg.empty() || arg[0] == '-' || arg[0] == '=') {
      return InvalidArgumentError("bad flag syntax: " + args[i]);
    }
    const size_t eq = arg.find('=');
    std::string_view name = arg.substr(0, eq);
    if (name == "h" && Find("help") != nullptr) {
      name = "help";
    }
    Flag* flag = FindMutable(name);
    if (flag == nullptr) {
      return InvalidArgumentError("flag provided but not defined: -" + std::string(name) +
                                  " (see -help for the list of flags)");
    }
    if (eq != std::string_view::npos) {
      out.push_back({flag, std::string(arg.substr(eq + 1))});
    } else if (flag->type == FlagType::kBool) {
      out.push_back({flag, "true"});
    } else if (i + 1 < args.size()) {
      out.push_back({flag, args[++i]});
    } else {
      return InvalidArgumentError("flag needs an argument: -" + std::string(name));
    }
  }
  return out;
}

Status FlagSet::ApplyConfigFile(const std::vector<Assignment>& assignments,
                                const EnvLookup& env) {
  const Flag* file_flag = Find("config.file");
  if (file_flag == nullptr) {
    return OkStatus();
  }
  std::string path = file_flag->current();
  bool expand = false;
  if (const Flag* expand_flag = Find("config.expand-env")) {
    expand = expand_flag->current() == "true";
  }
  for (const Assignment& a : assignments) {
    if (a.flag == file_flag) {
      path = a.value;
    } else if (a.flag->name == "config.expand-env") {
      FLAMEDB_ASSIGN_OR_RETURN(expand, ParseBool(a.value));
    }
  }
  if (path.empty()) {
    return OkStatus();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgumentError("cannot read config file " + path + ": " +
                                std::strerror(errno));
  }
  std::stringstream content;
  content << in.rdbuf();
  std::string yaml = content.str();
  if (expand) {
    yaml = ExpandEnv(yaml, env);
  }
  return ApplyYaml(yaml, path);
}

Status FlagSet::Parse(std::span<const std::string> args, const EnvLookup& env) {
  FLAMEDB_ASSIGN_OR_RETURN(const std::vector<Assignment> assignments, Tokenize(args));
  FLAMEDB_RETURN_IF_ERROR(ApplyConfigFile(assignments, env));
  for (const Assignment& a : assignments) {
    if (Status s = a.flag->set(a.value); !s.ok()) {
      return BadValue(*a.flag, a.value, s);
    }
  }
  return OkStatus();
}

std::string ExpandEnv(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    std::string name;
    std::string fallback;
    if (text[i + 1] == '{') {
      const size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        out += text[i];
        continue;
      }
      name = std::string(text.substr(i + 2, close - i - 2));
      if (const size_t dash = name.find(":-"); dash != std::string::npos) {
        fallback = name.substr(dash + 2);
        name.resize(dash);
      }
      i = close;
    } else {
      size_t j = i + 1;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) ||
                                 text[j] == '_')) {
        ++j;
      }
      if (j == i + 1) {
        out += text[i];
        continue;
      }
      name = std::string(text.substr(i + 1, j - i - 1));
      i = j - 1;
    }
    const char* value = env(name.c_str());
    out += (value != nullptr && *value != '\0') ? std::string(value) : fallback;
  }
  return out;
}

}  // namespace flamedb::base
