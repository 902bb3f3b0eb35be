#include "base/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace flamedb::base {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};

// Longer names first where one is a prefix of another ("ms" before "m").
constexpr std::array<Unit, 9> kUnits = {{{"ns", 1},
                                         {"us", 1000},
                                         {"\xC2\xB5s", 1000},  // U+00B5 micro sign
                                         {"ms", 1000000},
                                         {"s", 1000000000},
                                         {"m", 60LL * 1000000000},
                                         {"h", 3600LL * 1000000000},
                                         {"d", 86400LL * 1000000000},
                                         {"w", 7 * 86400LL * 1000000000}}};

const Unit* MatchUnit(std::string_view rest) {
  const Unit* best = nullptr;
  for (const Unit& unit : kUnits) {
    if (rest.substr(0, unit.name.size()) == unit.name &&
        (best == nullptr || unit.name.size() > best->name.size())) {
      best = &unit;
    }
  }
  return best;
}

Status BadDuration(std::string_view text) {
  return InvalidArgumentError("invalid duration \"" + std::string(text) +
                              "\": use a number with a unit, such as 30s, 5m or 1h30m");
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    return Duration(0);
  }
  if (s.empty()) {
    return BadDuration(text);
  }
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i++] - '0');
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      long double scale = 0.1L;
      for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) {
        value += (s[i] - '0') * scale;
        digits = true;
      }
    }
    if (!digits) {
      return BadDuration(text);
    }
    const Unit* unit = MatchUnit(s.substr(i));
    if (unit == nullptr) {
      return BadDuration(text);
    }
    total += value * unit->nanos;
    s.remove_prefix(i + unit->name.size());
  }
  if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) {
    return InvalidArgumentError("invalid duration \"" + std::string(text) + "\": too large");
  }
  const auto nanos = static_cast<int64_t>(total + 0.5L);
  return Duration(negative ? -nanos : nanos);
}

namespace {

// Appends `v / 10^prec` with trailing zeros (and a bare point) removed.
void AppendFraction(std::string& out, uint64_t v, int prec) {
  std::string digits = std::to_string(v);
  if (static_cast<int>(digits.size()) <= prec) {
    digits.insert(0, prec - digits.size() + 1, '0');
  }
  std::string integer = digits.substr(0, digits.size() - prec);
  std::string fraction = digits.substr(digits.size() - prec);
  while (!fraction.empty() && fraction.back() == '0') {
    fraction.pop_back();
  }
  out += integer;
  if (!fraction.empty()) {
    out += '.';
    out += fraction;
  }
}

}  // namespace

std::string FormatDuration(Duration d) {
  int64_t n = d.count();
  if (n == 0) {
    return "0s";
  }
  std::string out;
  uint64_t u = n < 0 ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
  if (n < 0) {
    out += '-';
  }
  if (u < 1000000000ULL) {
    // Sub-second: the largest unit that keeps an integer part.
    if (u < 1000) {
      return out + std::to_string(u) + "ns";
    }
    if (u < 1000000) {
      AppendFraction(out, u, 3);
      return out + "\xC2\xB5s";
    }
    AppendFraction(out, u, 6);
    return out + "ms";
  }
  const uint64_t hours = u / 3600000000000ULL;
  u -= hours * 3600000000000ULL;
  const uint64_t minutes = u / 60000000000ULL;
  u -= minutes * 60000000000ULL;
  if (hours > 0) {
    out += std::to_string(hours) + "h";
  }
  if (hours > 0 || minutes > 0) {
    out += std::to_string(minutes) + "m";
  }
  AppendFraction(out, u, 9);
  return out + "s";
}

}  // namespace flamedb::base
