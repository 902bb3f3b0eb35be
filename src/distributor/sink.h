// The hand-off from the distributor to storage: validated profiles with their series labels.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "model/profile.h"

namespace flamedb::distributor {

// One profile of one series. Several SeriesProfiles may share a profile when its samples were
// split by sample labels: `samples` then lists the indexes that belong to this series (empty
// means all). Sample labels other than span_id and trace_id are already part of `labels`.
// `labels` hold the request labels (with __name__, service_name, __delta__ ...) but not the
// per-sample-type labels (__profile_type__, __type__ ...) that storage adds per sample type.
struct SeriesProfile {
  model::Labels labels;
  std::shared_ptr<const model::Profile> profile;
  std::vector<uint32_t> samples;
};

// Implemented by the ingester (issue #4). Thread-safe.
class ProfileSink {
 public:
  virtual ~ProfileSink() = default;
  // Stores the profiles of one push of `tenant`. When this returns OK the data is durable
  // (the push is acknowledged). Errors: kResourceExhausted (series limit), kUnavailable.
  virtual Status Append(std::string_view tenant, std::vector<SeriesProfile> profiles) = 0;
};

// The profile type ID of sample type `index` of `profile` in series `metric`:
// "<metric>:<type>:<unit>:<period type>:<period unit>" (empty parts kept).
std::string ProfileTypeId(const model::Profile& profile, size_t index, std::string_view metric);

}  // namespace flamedb::distributor
