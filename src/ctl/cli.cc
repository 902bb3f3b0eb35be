#include "ctl/cli.h"

#include <cstdio>

#include "ingest/attime.h"

namespace flamedb::ctl {

int Usage(std::string_view message) {
  std::fprintf(stderr, "flamectl: %.*s (run 'flamectl --help')\n", static_cast<int>(message.size()),
               message.data());
  return kUsage;
}

int Fail(const Status& status) {
  const std::string message(status.message());
  std::fprintf(stderr, "flamectl: %s\n", message.c_str());
  return kFailure;
}

Result<TimeRange> RangeFromArgs(const Args& args, std::chrono::system_clock::time_point now,
                                const std::string& prefix) {
  const auto read = [&](const std::string& name, const char* def) -> Result<int64_t> {
    const std::string flag = args.Has(prefix + name) ? prefix + name : name;
    const std::string text = args.Get(flag, def);
    Result<std::chrono::system_clock::time_point> t = ingest::ParseAtTime(text, now);
    if (!t.ok()) return InvalidArgumentError("--" + flag + ": " + std::string(t.status().message()));
    return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  };
  Result<int64_t> from = read("from", "now-1h");
  if (!from.ok()) return from.status();
  Result<int64_t> to = read("to", "now");
  if (!to.ok()) return to.status();
  if (*from >= *to) {
    return InvalidArgumentError("--" + prefix + "from must be before --" + prefix + "to");
  }
  return TimeRange{*from, *to};
}

Result<bool> JsonOutput(const Args& args) {
  const std::string output = args.Get("output", "table");
  if (output != "table" && output != "json") {
    return InvalidArgumentError("--output \"" + output + "\": want table or json");
  }
  return output == "json";
}

}  // namespace flamedb::ctl
