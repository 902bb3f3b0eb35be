#include "ingest/attime.h"

#include <array>
#include <climits>
#include <cstdint>
#include <string>

namespace flamedb::ingest {
namespace {

using Clock = std::chrono::system_clock;

Status BadTime(std::string_view text) {
  return InvalidArgumentError("invalid time \"" + std::string(text) +
                              "\": use unix seconds, milliseconds, microseconds or nanoseconds, "
                              "YYYYMMDD, or now-<offset> such as now-1h");
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ValidDate(int64_t y, unsigned m, unsigned d) {
  static constexpr std::array<unsigned, 12> kDays = {31, 29, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) {
    return false;
  }
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m != 2 || d <= 28 || leap;
}

// A time `nanos` after the epoch, if a system_clock time point can hold it.
Result<Clock::time_point> AtNanos(__int128 nanos, std::string_view text) {
  if (nanos < 0 || nanos > INT64_MAX) {
    return BadTime(text);
  }
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::nanoseconds(static_cast<int64_t>(nanos))));
}

Result<Clock::time_point> FromDigits(const std::string& digits, std::string_view text) {
  if (digits.size() > 19) {
    return BadTime(text);
  }
  __int128 v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
  }
  if (digits.size() == 8) {
    const auto y = static_cast<int64_t>(v / 10000);
    const auto m = static_cast<unsigned>(v / 100 % 100);
    const auto d = static_cast<unsigned>(v % 100);
    if (ValidDate(static_cast<int64_t>(y), m, d)) {
      return AtNanos(static_cast<__int128>(DaysFromCivil(static_cast<int64_t>(y), m, d)) *
                         86400 * 1000000000,
                     text);
    }
  }
  switch (digits.size()) {
    case 13:
      return AtNanos(v * 1000000, text);
    case 16:
      return AtNanos(v * 1000, text);
    case 19:
      return AtNanos(v, text);
    default:
      return AtNanos(v * 1000000000, text);
  }
}

// Seconds per unit word, or 0 if the word is not a unit.
int64_t UnitSeconds(std::string_view unit) {
  if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds") {
    return 1;
  }
  if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" || unit == "minutes") {
    return 60;
  }
  if (unit == "h" || unit == "hour" || unit == "hours") return 3600;
  if (unit == "d" || unit == "day" || unit == "days") return 86400;
  if (unit == "w" || unit == "week" || unit == "weeks") return 7 * 86400;
  if (unit == "M" || unit == "mon" || unit == "month" || unit == "months") return 30 * 86400;
  if (unit == "y" || unit == "year" || unit == "years") return 365 * 86400;
  return 0;
}

// Parses "30m15s" into seconds. Returns -1 on a malformed offset or one beyond ~1000 years.
int64_t ParseOffset(std::string_view s) {
  constexpr int64_t kMax = 1000LL * 365 * 86400;
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    int64_t n = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 11) {
      n = n * 10 + (s[i++] - '0');
      ++digits;
    }
    size_t j = i;
    while (j < s.size() && !(s[j] >= '0' && s[j] <= '9')) {
      ++j;
    }
    const int64_t unit = UnitSeconds(s.substr(i, j - i));
    if (digits == 0 || unit == 0) {
      return -1;
    }
    total += n * unit;  // n < 10^11 and unit < 2^25, total <= kMax: no overflow.
    if (total > kMax) {
      return -1;
    }
    i = j;
  }
  return total;
}

}  // namespace

Result<Clock::time_point> ParseAtTime(std::string_view text, Clock::time_point now) {
  std::string s;
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '_' && c != ',') {
      s += c;
    }
  }
  if (s.empty() || s == "now") {
    return now;
  }
  if (s.find_first_not_of("0123456789") == std::string::npos) {
    return FromDigits(s, text);
  }
  const size_t sign = s.find_first_of("+-");
  if (sign == std::string::npos || sign + 1 == s.size()) {
    return BadTime(text);
  }
  const int64_t offset = ParseOffset(std::string_view(s).substr(sign + 1));
  if (offset < 0) {
    return BadTime(text);
  }
  const __int128 now_nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const __int128 delta = static_cast<__int128>(offset) * 1000000000;
  return AtNanos(s[sign] == '-' ? now_nanos - delta : now_nanos + delta, text);
}

}  // namespace flamedb::ingest
