// Command-line flags in Go's syntax plus the YAML config file, as Pyroscope's CLI takes them.
//
// Each component registers its settings into one FlagSet (dskit's RegisterFlags pattern): a flag
// name (`server.http-listen-port`), an optional YAML path (`server.http_listen_port`), a typed
// target, a default and a description. Precedence: default < YAML file < command line.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/status.h"

namespace flamedb::base {

// kYaml: a structured value (a list of rules, say), kept as YAML text; in the config file it is
// written as YAML, on the command line as YAML or JSON text.
enum class FlagType : uint8_t { kBool, kInt, kDouble, kString, kDuration, kYaml };

struct FlagOptions {
  std::string_view yaml = {};  // Dotted YAML path; empty for command-line-only flags.
  bool secret = false;    // Masked in the config that /api/v1/status/config shows.
  bool hidden = false;    // Left out of -help (shown by -help-all).
};

// One registered flag.
struct Flag {
  std::string name;
  std::string yaml;
  FlagType type;
  std::string help;
  std::string default_text;  // The default, formatted like Current().
  bool secret = false;
  bool hidden = false;
  std::function<Status(std::string_view)> set;  // Parses and stores a value.
  std::function<std::string()> current;         // Formats the current value.
};

// Which values RenderYaml shows.
enum class YamlView : uint8_t { kEffective, kDefaults, kDiff };

// Looks up an environment variable; returns nullptr when it is not set.
using EnvLookup = std::function<const char*(const char*)>;

// Holds the flags of the process. Not thread-safe: flags are registered and parsed at startup,
// before other threads read the targets; afterwards only the const renderers run.
// Targets must outlive the FlagSet.
class FlagSet {
 public:
  explicit FlagSet(std::string program) : program_(std::move(program)) {}
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // Registration stores `def` into the target at once. REQUIRES: name and YAML path unused.
  void Bool(std::string name, bool* target, bool def, std::string help, FlagOptions opts = {});
  void Int(std::string name, int64_t* target, int64_t def, std::string help,
           FlagOptions opts = {});
  void Double(std::string name, double* target, double def, std::string help,
              FlagOptions opts = {});
  void String(std::string name, std::string* target, std::string def, std::string help,
              FlagOptions opts = {});
  void Duration(std::string name, base::Duration* target, base::Duration def, std::string help,
                FlagOptions opts = {});
  // The text must parse as YAML (or JSON, which is YAML).
  void Yaml(std::string name, std::string* target, std::string def, std::string help,
            FlagOptions opts = {});

  // Parses `args` (argv without the program name) in Go's flag syntax: `-name=value`,
  // `--name=value`, `-name value`, and `-name` alone for a bool. If a flag `config.file` is
  // registered and set (on the command line or by default), that YAML file is applied first,
  // with ${VAR} expansion when the bool flag `config.expand-env` is true; then the command line
  // overrides it. Errors: kInvalidArgument naming the flag, key or argument at fault.
  Status Parse(std::span<const std::string> args, const EnvLookup& env);

  // Applies a YAML document. Every key must be the path of a registered flag or lead to one.
  // `source` names the document in errors. Errors: kInvalidArgument.
  Status ApplyYaml(std::string_view yaml, std::string_view source);

  // The YAML document of the flags with a YAML path; secrets show as "********".
  std::string RenderYaml(YamlView view) const;
  // The text of -help (Go's layout, sorted by name); `all` includes hidden flags.
  std::string Usage(bool all) const;
  // docs/configuration.md: a table of every flag.
  std::string Markdown() const;

  const Flag* Find(std::string_view name) const;
  const std::vector<std::unique_ptr<Flag>>& flags() const { return flags_; }

 private:
  struct Assignment {
    Flag* flag;
    std::string value;
  };
  Flag& Add(std::string name, FlagType type, std::string help, FlagOptions opts);
  Result<std::vector<Assignment>> Tokenize(std::span<const std::string> args);
  Status ApplyConfigFile(const std::vector<Assignment>& assignments, const EnvLookup& env);
  Flag* FindMutable(std::string_view name);

  std::string program_;
  std::vector<std::unique_ptr<Flag>> flags_;
};

// Replaces ${VAR}, ${VAR:-default} and $VAR in `text` with values from `env` (unset = empty,
// or the default), as -config.expand-env does.
std::string ExpandEnv(std::string_view text, const EnvLookup& env);

// OK if `text` parses as YAML. Errors: kInvalidArgument with the parser's message.
Status CheckYaml(std::string_view text);

// Parses a bool the way Go's strconv.ParseBool does (1, t, true, TRUE, 0, f, false, ...).
Result<bool> ParseBool(std::string_view text);

}  // namespace flamedb::base
