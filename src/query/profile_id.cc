#include "query/profile_id.h"

#include <algorithm>

#include "base/json.h"

namespace flamedb::query {

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
  // Two halves of 16 hex digits, as span ids are written.
  return model::FormatSpanId(key.series) + model::FormatSpanId(static_cast<uint64_t>(key.time_ns));
}

Result<std::vector<ProfileKey>> ParseProfileIds(const std::vector<std::string>& ids) {
  std::vector<ProfileKey> out;
  for (const std::string& id : ids) {
    const std::optional<uint64_t> series =
        id.size() == 32 ? model::ParseSpanId(std::string_view(id).substr(0, 16)) : std::nullopt;
    const std::optional<uint64_t> time =
        id.size() == 32 ? model::ParseSpanId(std::string_view(id).substr(16)) : std::nullopt;
    if (!series.has_value() || !time.has_value()) {
      return InvalidArgumentError("invalid profile id: " + base::JsonString(id) +
                                  " (flamedb's profile ids are 32 hex digits, as exemplars give them)");
    }
    out.push_back({*series, static_cast<int64_t>(*time)});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace flamedb::query
