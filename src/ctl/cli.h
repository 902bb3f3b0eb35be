// What every flamectl command shares: exit codes, the one-line error conventions, and the
// --from/--to time range in the server's own syntax (unix s/ms/µs/ns, YYYYMMDD, now-1h ...).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ctl/args.h"

namespace flamedb::ctl {

inline constexpr int kOk = 0;
inline constexpr int kFailure = 1;
inline constexpr int kUsage = 2;

// Prints "flamectl: <message> (run 'flamectl --help')" and returns kUsage.
int Usage(std::string_view message);
// Prints "flamectl: <status message>" and returns kFailure.
int Fail(const Status& status);

struct TimeRange {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

// --<prefix>from (default now-1h) and --<prefix>to (default now); a prefixed flag that is
// absent falls back to the unprefixed one. Errors: kInvalidArgument naming the flag.
Result<TimeRange> RangeFromArgs(const Args& args, std::chrono::system_clock::time_point now,
                                const std::string& prefix = "");

// The "table"/"json" value of --output. Errors: kInvalidArgument.
Result<bool> JsonOutput(const Args& args);

// The server commands; each returns its exit code.
int UploadCommand(std::span<const std::string> argv);
int QueryCommand(std::span<const std::string> argv);
int CanaryCommand(std::span<const std::string> argv);

}  // namespace flamedb::ctl
