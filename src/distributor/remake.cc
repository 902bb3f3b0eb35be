#include "distributor/remake.h"

#include <string>
#include <vector>

#include "distributor/delta.h"
#include "distributor/go_fixes.h"
#include "distributor/normalize.h"
#include "distributor/validate.h"

namespace flamedb::distributor {

int64_t RenameSpanLabels(model::Profile& p) {
  int64_t span_key = -1;
  for (model::Label& l : p.labels) {
    const std::string_view key = p.String(l.key);
    if (key == "profile_id" || key == "span_id") {
      if (span_key < 0) {
        span_key = p.AddString("span_id");
      }
      l.key = span_key;
    }
  }
  return span_key;
}

namespace {

Status Unfit(std::string_view what) {
  return DataLossError("the stored payload does not make its profile again: " + std::string(what));
}

Status ApplyDelta(model::Profile& p, const model::Received& r, std::span<const int64_t> growth) {
  for (uint32_t c : r.delta_columns) {
    if (c >= p.sample_types.size()) return Unfit("delta column " + std::to_string(c));
  }
  if (r.delta == model::Received::Delta::kRemoved) {
    RemoveSampleTypes(p, std::vector<size_t>(r.delta_columns.begin(), r.delta_columns.end()));
    return OkStatus();
  }
  const size_t width = r.delta_columns.size();
  if (growth.size() != p.samples.size() * width) {
    return Unfit(std::to_string(growth.size()) + " growth values for " +
                 std::to_string(p.samples.size()) + " samples");
  }
  const int64_t* next = growth.data();
  for (const model::Sample& s : p.samples) {
    for (uint32_t c : r.delta_columns) p.values[s.values.begin + c] = *next++;
  }
  return OkStatus();
}

}  // namespace

Status Remake(model::Profile& p, const model::Received& r, int64_t time_nanos,
              std::span<const int64_t> growth) {
  // The push checked everything else; only the steps that change the profile run again, with
  // no time window (the profile was in it when it arrived).
  ProfileLimits limits;
  limits.max_profile_stacktrace_samples = 0;
  limits.max_profile_stacktrace_sample_labels = 0;
  limits.max_profile_stacktrace_depth = r.max_stack_depth;
  limits.max_profile_symbol_value_length = r.max_symbol_length;
  limits.reject_older_than = base::Duration(0);
  limits.reject_newer_than = base::Duration(0);
  if (Status s = ValidateProfile(p, limits, {}, "{}"); !s.ok()) return Unfit(s.message());
  p.time_nanos = time_nanos;
  DropGoTypeParameters(p);
  NormalizeProfile(p);
  if (r.delta != model::Received::Delta::kNone) {
    FLAMEDB_RETURN_IF_ERROR(ApplyDelta(p, r, growth));
  }
  RenameSpanLabels(p);
  return OkStatus();
}

}  // namespace flamedb::distributor
