// A pprof profile as an OTLP profiles request (opentelemetry-proto v1.10.0), the way the
// OpenTelemetry Collector's pprof translation lays it out: one OTLP profile per sample type over
// one shared dictionary (table entry 0 the empty entry everywhere), one stack per pprof sample.
// For the benchmarks that compare OTLP ingest with pprof ingest of the same profile
// (src/ingest/otlp_benchmark.cc, bench/otlp-vs-pprof-server through flamedb-loadgen).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/profile.h"

namespace flamedb::bench {

// The parts of an ExportProfilesServiceRequest that do not depend on who sends it: the
// serialized ProfilesDictionary and ScopeProfiles messages (without their field headers).
struct OtlpParts {
  std::string dictionary;
  std::string scope_profiles;
};

OtlpParts TranslateToOtlp(const model::Profile& p);

// The serialized ExportProfilesServiceRequest of `parts`, sent by a resource with these
// attributes (string values): field 1 = resource_profiles{resource, scope_profiles}, field 2 =
// the dictionary. Cheap: the parts are copied, nothing is encoded again.
std::string OtlpRequest(const OtlpParts& parts,
                        const std::vector<std::pair<std::string_view, std::string_view>>& attributes);

}  // namespace flamedb::bench
