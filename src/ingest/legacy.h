// How /ingest's metadata (name, spyName, sampleRate, sample_type_config) becomes series labels
// and a profile type (Pyroscope spec §2.2.4).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ingest/name.h"
#include "ingest/stack_profile.h"
#include "model/labels.h"
#include "model/profile.h"

namespace flamedb::ingest {

// The part of a text-format upload's meaning that its app name carries.
struct TextTarget {
  std::string service;     // The app name without its profile-type suffix.
  std::string metric;      // __name__: process_cpu, wall, memory, ...
  StackProfileType type;   // Sample type, unit, period and value multiplier.
};

// Resolves `app` ("myapp.cpu", "myapp") for the text formats: the last dot-separated segment is
// the profile-type suffix (cpu when there is no dot). cpu/wall counts become nanoseconds with
// period 1e9/sample_rate; sample_rate 0 keeps plain sample counts.
// Errors: kInvalidArgument "unknown profile type: <suffix>" or a bad sample rate.
Result<TextTarget> ResolveTextTarget(std::string_view app, int64_t sample_rate);

// One entry of the multipart `sample_type_config` part.
struct SampleTypeConfig {
  std::string units;
  std::string display_name;
  std::string aggregation;
  bool cumulative = false;
};
using SampleTypeConfigs = std::map<std::string, SampleTypeConfig, std::less<>>;

// Parses the JSON of a `sample_type_config` part. Errors: kInvalidArgument.
Result<SampleTypeConfigs> ParseSampleTypeConfig(std::string_view json);

// The metric name (__name__) of a pprof upload, from its sample types and their display names.
std::string PprofMetricName(const model::Profile& profile, const SampleTypeConfigs& configs);

// Series labels of a legacy upload: __name__, __delta__=false, pyroscope_spy, the name labels
// (private ones dropped, except __session_id__), and service_name=`service` unless the name
// labels have one, in which case app_name=`service` (if absent).
model::Labels LegacySeriesLabels(const ParsedName& name, std::string_view service,
                                 std::string_view metric, std::string_view spy_name);

}  // namespace flamedb::ingest
