// OpenTelemetry profiles (opentelemetry-proto v1.10.0, collector/profiles/v1development): an
// ExportProfilesServiceRequest becomes one profile per OTLP profile and service, with the series
// labels and profile types of Pyroscope's conversion (docs/api.md "OTLP profiles"). Decoded by
// hand from the wire, every index range-checked; memory is bounded by the request's size.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labeled_profile.h"

namespace flamedb::ingest {

struct OtlpResult {
  std::vector<model::LabeledProfile> profiles;
  // OTLP profiles left out (an index out of range, a sample without values, ...), as the
  // response's partial_success reports them, and the first one's reason.
  int64_t rejected_profiles = 0;
  std::string error;
};

// Converts the protobuf bytes of an ExportProfilesServiceRequest. `now` stands in for a profile
// time of 0. Errors: kInvalidArgument (malformed_profile) when the bytes are not such a message,
// it has no dictionary, or a dictionary entry is malformed. A profile that cannot be converted
// is counted in OtlpResult::rejected_profiles instead; the caller decides whether a request
// whose every profile was rejected is an error.
Result<OtlpResult> ConvertOtlp(std::string_view request, std::chrono::system_clock::time_point now);

// Notes in each profile of `result` (ConvertOtlp of `*request` with `now`) where it came from
// (model::Received::otlp_request and its index), so that the WAL keeps the request once instead
// of every profile made of it, and replay converts it again.
void KeepOtlpRequest(OtlpResult& result, std::shared_ptr<const std::string> request,
                     std::chrono::system_clock::time_point now);

}  // namespace flamedb::ingest
