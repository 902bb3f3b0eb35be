// Validation of a decoded profile against the tenant's limits (Pyroscope's ValidateProfile, spec
// §2.4.3), done before a profile is stored. Deep stacks and long symbols are cut, not rejected.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "base/duration.h"
#include "base/status.h"
#include "model/profile.h"

namespace flamedb::distributor {

// The `reason` label of discarded-profile metrics, carried as Status::tag().
namespace reason {
inline constexpr std::string_view kMalformedProfile = "malformed_profile";
inline constexpr std::string_view kNotInIngestionWindow = "not_in_ingestion_window";
inline constexpr std::string_view kProfileSizeLimit = "profile_size_limit";
inline constexpr std::string_view kSamplesLimit = "samples_limit";
inline constexpr std::string_view kSampleLabelsLimit = "sample_labels_limit";
}  // namespace reason

struct ProfileLimits {
  int64_t max_profile_stacktrace_samples = 16000;      // 0: no limit.
  int64_t max_profile_stacktrace_sample_labels = 100;  // 0: no limit.
  int64_t max_profile_stacktrace_depth = 1000;         // 0: no limit.
  int64_t max_profile_symbol_value_length = 65535;     // 0: no limit.
  base::Duration reject_older_than = std::chrono::hours(1);     // 0: no limit.
  base::Duration reject_newer_than = std::chrono::minutes(10);  // 0: no limit.
};

// Checks `profile` and fixes what Pyroscope fixes rather than rejects: time_nanos 0 becomes
// `now`; stacks deeper than the limit keep their leaf-most frames; strings longer than the limit
// keep their tail, cut on a UTF-8 character boundary. `series` (labels as `{a="b"}`) names the
// profile in messages.
//
// Errors: kInvalidArgument with Status::tag() one of the reason:: names above, and a message
// in Pyroscope's words ("empty profile", "... exceeds the samples count limit ...", "location
// id is 0" for a location defined with id 0, "invalid utf8 string hex: ..."). A *sample* naming
// location 0 is reported by NormalizeProfile (NormalizeStats::zero_location_samples), which
// walks every id anyway.
Status ValidateProfile(model::Profile& profile, const ProfileLimits& limits,
                       std::chrono::system_clock::time_point now, std::string_view series);

}  // namespace flamedb::distributor
