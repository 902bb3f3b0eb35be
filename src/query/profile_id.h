// Ids of individual profiles, for exemplars (SelectSeries) and profile_id_selector: flamedb
// stores no id per profile, so an id names the profile by what identifies it, its series and
// its time: 16 hex digits of the series' fingerprint, then 16 of its time in ns. Any source
// that holds the profile (a head, a segment, a compacted block) answers to the same id.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/labels.h"

namespace flamedb::query {

struct ProfileKey {
  uint64_t series = 0;  // SeriesFingerprint of the series' labels.
  int64_t time_ns = 0;
  auto operator<=>(const ProfileKey&) const = default;
};

// A hash of the series' labels (their canonical text), the same in every process and version
// of the format.
uint64_t SeriesFingerprint(const model::Labels& labels);

// 32 lower-case hex digits.
std::string ProfileId(const ProfileKey& key);

// The keys of `ids`, sorted and unique. Errors: kInvalidArgument `invalid profile id: "<id>"`
// for one that is not 32 hex digits.
Result<std::vector<ProfileKey>> ParseProfileIds(const std::vector<std::string>& ids);

}  // namespace flamedb::query
