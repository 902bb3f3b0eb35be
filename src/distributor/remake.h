// The distributor's changes to a profile, repeated from model::Received: how replay makes a
// pushed profile again from the payload its client sent (the WAL stores that payload).
#pragma once

#include <cstdint>
#include <span>

#include "base/status.h"
#include "model/profile.h"

namespace flamedb::distributor {

// Pyroscope renames the sample label profile_id to span_id, which stays with the samples.
// Returns the string index of "span_id" when a sample label has it, else -1. Part of the push
// pipeline (Distributor::Split) and of Remake.
int64_t RenameSpanLabels(model::Profile& p);

// Makes `p` (the received payload, decoded) what the distributor made of it: validation's
// truncations with `r`'s limits, `time_nanos` (the stored timestamp), the Go type-parameter fix,
// normalization, the delta as `r` says (`growth`: for kGrowth, the values of r.delta_columns for
// each sample in order, as stored), and the span label rename. Deterministic: the same payload
// and facts give the same profile, sample for sample.
// Errors: kDataLoss when the payload or the facts do not fit (a record written wrong).
Status Remake(model::Profile& p, const model::Received& r, int64_t time_nanos,
              std::span<const int64_t> growth);

}  // namespace flamedb::distributor
