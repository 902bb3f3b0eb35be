// Java Flight Recorder uploads (/ingest?format=jfr): a recording, and optionally the labels
// snapshot pyroscope-java sends beside it, become one profile per kind of event, with the
// profile types, metric names and values of Pyroscope's JFR conversion (docs/jfr.md), except
// where Pyroscope is wrong: lock and park delays are nanoseconds, not ticks, and no event's value
// leaks into the next one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "model/profile.h"

namespace flamedb::ingest {

// pyroscope-java's LabelsSnapshot (jfr_labels.proto): the dynamic labels of the recording's
// events, by context id, as pairs of string ids. Views point into the decoded part.
struct JfrLabels {
  std::unordered_map<int64_t, std::vector<std::pair<int64_t, int64_t>>> contexts;
  std::unordered_map<int64_t, std::string_view> strings;
};

// Decodes a LabelsSnapshot. Errors: kInvalidArgument (malformed_profile) naming the problem.
Result<JfrLabels> ParseJfrLabels(std::string_view bytes);

struct JfrOptions {
  int64_t period_nanos = 0;  // 1e9 / sampleRate: the value of one CPU or wall sample.
  int64_t time_nanos = 0;    // The upload's `from`.
  int64_t duration_nanos = 0;
};

struct JfrProfile {
  std::string metric;  // __name__: process_cpu, wall, memory, mutex or block.
  model::Profile profile;
};

struct JfrResult {
  std::vector<JfrProfile> profiles;  // Kinds of events the recording has, each with samples.
  std::string event;  // The recording's `event` setting (async-profiler: cpu, itimer, wall ...).
};

// Reads every chunk of `recording`. Memory is bounded by the recording's size, whatever counts
// it claims. Events without a stack trace are skipped. Errors: kInvalidArgument (tag
// malformed_profile) with a message that starts "malformed JFR:" and names the problem.
Result<JfrResult> ParseJfr(std::string_view recording, const JfrLabels* labels,
                           const JfrOptions& options);

}  // namespace flamedb::ingest
