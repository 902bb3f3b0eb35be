// The steps that make the stored profile out of the one a client sent, defined once. The live
// push (Distributor) and WAL replay (Remake) both run RunProfileSteps; they differ only in where
// the few decisions that depend on the moment come from, which a StepDecisions supplies: the live
// push asks the tenant's limits, the clock and the delta tracker (and notes the answers in
// Profile::received), replay reads the answers back from the record. So a change to a step
// cannot make replay diverge from the push it repeats.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/status.h"
#include "distributor/validate.h"
#include "model/labels.h"
#include "model/profile.h"

namespace flamedb::distributor {

class StepDecisions {
 public:
  virtual ~StepDecisions() = default;
  // What validation applies: the limits (their truncations are deterministic) and its "now".
  virtual const ProfileLimits& limits() const = 0;
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Called once validation has run: replay puts back the timestamp the push stored.
  virtual void Stamp(model::Profile&) {}
  // The server-side delta of the normalized profile (values replaced by their growth, or the
  // cumulative sample types removed). False: nothing is left to store.
  virtual Result<bool> Delta(model::Profile& p) = 0;
};

// The string indexes of the sample labels that link samples to traces, -1 when no sample
// label has them. They stay with the samples and never become series labels.
struct LinkKeys {
  int64_t span = -1;   // "span_id" (profile_id renamed).
  int64_t trace = -1;  // "trace_id".
  bool Has(int64_t key) const { return key == span || key == trace; }
};

struct StepsResult {
  bool store = false;  // False: nothing to store (only empty samples, or a delta baseline).
  LinkKeys links;
};

// Validation (with its truncations), the Go type-parameter fix, normalization, the delta and the
// span label rename, in that order. `series` (labels as `{a="b"}`) names the profile in messages.
// Errors: those of ValidateProfile; kInvalidArgument (malformed_profile) when a sample names
// location 0 or every sample references something that does not exist; those of Delta.
Result<StepsResult> RunProfileSteps(model::Profile& p, StepDecisions& decisions,
                                    std::string_view series);

// Pyroscope renames the sample label profile_id to span_id, which stays with the samples, as
// trace_id does. Returns the keys of both.
LinkKeys RenameSpanLabels(model::Profile& p);

// Replay: makes `p` (the received payload, decoded) what the push made of it, running
// RunProfileSteps with the decisions of `r` (`growth`: for kGrowth, the values of
// r.delta_columns for each sample in order, as stored) and `time_nanos` as the timestamp.
// Deterministic: the same payload and facts give the same profile, sample for sample.
// Errors: kDataLoss when the payload or the facts do not fit (a record written wrong).
Status Remake(model::Profile& p, const model::Received& r, int64_t time_nanos,
              std::span<const int64_t> growth);

}  // namespace flamedb::distributor
