// A decoded profile with the series labels its request gave it: what ingest formats produce and
// the distributor consumes.
#pragma once

#include <cstddef>

#include "model/labels.h"
#include "model/profile.h"

namespace flamedb::model {

struct LabeledProfile {
  Labels labels;
  Profile profile;
  size_t uncompressed_bytes = 0;  // Size of the decoded payload, for limits.
  size_t compressed_bytes = 0;    // As received, for metrics.
};

}  // namespace flamedb::model
