// Go's time.Duration text form ("1h30m", "250ms", "2m0s"), which Pyroscope's flags and YAML use.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace flamedb::base {

using Duration = std::chrono::nanoseconds;

// Parses a Go duration: an optional sign, then one or more decimal numbers each with a unit
// (ns, us, µs, ms, s, m, h), e.g. "1h15m", "1.5s", "-2ms", or "0". Also accepts "d" (days)
// and "w" (weeks) as Prometheus does, since retention periods are written that way.
// Errors: kInvalidArgument naming the text.
Result<Duration> ParseDuration(std::string_view text);

// Formats like Go's Duration.String(): "0s", "1.5s", "2m0s", "1h0m0s", "250ms", "3µs".
std::string FormatDuration(Duration d);

}  // namespace flamedb::base
