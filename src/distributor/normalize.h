// Normalization of a validated profile (Pyroscope's Normalize, spec §2.4.4): what is stored is
// the profile's meaning, without the noise profilers leave in it. Never rejects.
#pragma once

#include <cstddef>

#include "model/profile.h"

namespace flamedb::distributor {

struct NormalizeStats {
  size_t dropped_samples = 0;  // Negative or all-zero values, or unknown locations.
  size_t broken_samples = 0;   // Of those, the ones on a missing or unusable location.
  size_t zero_location_samples = 0;  // Of those, the ones naming location id 0 (malformed).
  size_t merged_samples = 0;   // Folded into an identical stack with identical labels.
};

// In place, in this order:
// - sample labels with numeric values (no string value) are removed, the rest sorted by key;
// - locations whose mapping or any line's function is unknown, and locations with neither lines
//   nor an address, are removed;
// - samples with any negative value, with all values zero, or with a removed or unknown
//   location are removed;
// - samples with the same stack and labels are merged by summing their values (saturating at
//   the int64 maximum rather than wrapping);
// - for mappings that have symbols (has_functions), addresses are zeroed, so equal frames from
//   different process images are equal.
// - finally CompactProfile: only referenced symbols remain, with dense ids.
// REQUIRES: ValidateProfile accepted `profile`.
NormalizeStats NormalizeProfile(model::Profile& profile);

}  // namespace flamedb::distributor
