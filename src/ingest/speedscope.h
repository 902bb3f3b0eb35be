// The speedscope JSON format of /ingest?format=speedscope (www.speedscope.app file format).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "ingest/name.h"
#include "model/labeled_profile.h"

namespace flamedb::ingest {

struct SpeedscopeOptions {
  int64_t sample_rate = 100;
  int64_t time_nanos = 0;
  std::string spy_name;
};

// One labeled profile per speedscope profile (label profile_name). `sampled` and `evented`
// profiles are read. With several profiles the unit selects the profile type (app.<unit>:
// seconds..nanoseconds -> wall, bytes -> memory); time values are stored in nanoseconds.
// Errors: kInvalidArgument naming what is wrong (schema, unit, frame index, event order).
Result<std::vector<model::LabeledProfile>> ParseSpeedscope(std::string body,
                                                           const ParsedName& name,
                                                           const SpeedscopeOptions& options);

}  // namespace flamedb::ingest
