// Pyroscope's "attime" time syntax of /ingest's from/until and render's from/until
// (spec §2.2.1): unix seconds, ms, µs or ns by digit count, YYYYMMDD, or now[+-]offsets.
#pragma once

#include <chrono>
#include <string_view>

#include "base/status.h"

namespace flamedb::ingest {

// Parses `text` relative to `now`. Whitespace, '_' and ',' are ignored. All digits: 8 digits that
// form a valid date are YYYYMMDD (UTC midnight); otherwise 13 digits are milliseconds, 16
// microseconds, 19 nanoseconds, any other count seconds. Otherwise `now` (any word before a sign
// counts as now) followed by offsets such as `-1h`, `-30m15s`, `+2d` with units s, m/min, h, d,
// w, mon/M (30 days), y (365 days). Empty means now.
// Errors: kInvalidArgument naming the text.
Result<std::chrono::system_clock::time_point> ParseAtTime(
    std::string_view text, std::chrono::system_clock::time_point now);

}  // namespace flamedb::ingest
