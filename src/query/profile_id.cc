#include "query/profile_id.h"

#include <algorithm>
#include <charconv>

#include "base/json.h"

namespace flamedb::query {
namespace {

std::string Hex16(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 0xf];
  return out;
}

bool ParseHex16(std::string_view text, uint64_t& out) {
  if (text.size() != 16) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

uint64_t SeriesFingerprint(const model::Labels& labels) {
  // FNV-1a 64 of the canonical text: small, stable, and good enough to tell series apart.
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : labels.ToString()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string ProfileId(const ProfileKey& key) {
  return Hex16(key.series) + Hex16(static_cast<uint64_t>(key.time_ns));
}

Result<std::vector<ProfileKey>> ParseProfileIds(const std::vector<std::string>& ids) {
  std::vector<ProfileKey> out;
  for (const std::string& id : ids) {
    uint64_t series = 0, time = 0;
    if (id.size() != 32 || !ParseHex16(std::string_view(id).substr(0, 16), series) ||
        !ParseHex16(std::string_view(id).substr(16), time)) {
      return InvalidArgumentError("invalid profile id: " + base::JsonString(id) +
                                  " (flamedb's profile ids are 32 hex digits, as exemplars give them)");
    }
    out.push_back({series, static_cast<int64_t>(time)});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace flamedb::query
