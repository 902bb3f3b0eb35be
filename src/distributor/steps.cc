#include "distributor/steps.h"

#include <string>
#include <vector>

#include "distributor/delta.h"
#include "distributor/go_fixes.h"
#include "distributor/normalize.h"

namespace flamedb::distributor {

Result<StepsResult> RunProfileSteps(model::Profile& p, StepDecisions& decisions,
                                    std::string_view series) {
  FLAMEDB_RETURN_IF_ERROR(ValidateProfile(p, decisions.limits(), decisions.now(), series));
  decisions.Stamp(p);
  DropGoTypeParameters(p);  // No-op for other languages: only Go writes "[go.shape.".
  const NormalizeStats stats = NormalizeProfile(p);
  if (stats.zero_location_samples > 0) {
    return InvalidArgumentError("location id is 0").WithTag(reason::kMalformedProfile);
  }
  if (p.samples.empty() && stats.broken_samples > 0) {
    return InvalidArgumentError("every sample of the profile with labels '" +
                                std::string(series) +
                                "' references a location that does not exist or names a "
                                "missing function or mapping")
        .WithTag(reason::kMalformedProfile);
  }
  StepsResult out;
  if (p.samples.empty()) {
    return out;  // Only empty samples: nothing to store, and no client mistake.
  }
  FLAMEDB_ASSIGN_OR_RETURN(out.store, decisions.Delta(p));
  if (out.store) {
    out.links = RenameSpanLabels(p);
  }
  return out;
}

LinkKeys RenameSpanLabels(model::Profile& p) {
  LinkKeys keys;
  for (model::Label& l : p.labels) {
    const std::string_view key = p.String(l.key);
    if (key == "profile_id" || key == model::kSpanIdLabel) {
      if (keys.span < 0) {
        keys.span = p.AddString(std::string(model::kSpanIdLabel));
      }
      l.key = keys.span;
    } else if (key == model::kTraceIdLabel) {
      keys.trace = l.key;
    }
  }
  return keys;
}

namespace {

Status Unfit(std::string_view what) {
  return DataLossError("the stored payload does not make its profile again: " + std::string(what));
}

// The decisions a push recorded in model::Received. The push checked everything else, so
// validation runs with the recorded truncations only and no time window.
class ReplayDecisions final : public StepDecisions {
 public:
  ReplayDecisions(const model::Received& r, int64_t time_nanos, std::span<const int64_t> growth)
      : received_(r), time_nanos_(time_nanos), growth_(growth) {
    limits_.max_profile_stacktrace_samples = 0;
    limits_.max_profile_stacktrace_sample_labels = 0;
    limits_.max_profile_stacktrace_depth = r.max_stack_depth;
    limits_.max_profile_symbol_value_length = r.max_symbol_length;
    limits_.reject_older_than = base::Duration(0);
    limits_.reject_newer_than = base::Duration(0);
  }

  const ProfileLimits& limits() const override { return limits_; }
  std::chrono::system_clock::time_point now() const override { return {}; }
  void Stamp(model::Profile& p) override { p.time_nanos = time_nanos_; }

  Result<bool> Delta(model::Profile& p) override {
    const model::Received& r = received_;
    if (r.delta == model::Received::Delta::kNone) return true;
    for (uint32_t c : r.delta_columns) {
      if (c >= p.sample_types.size()) return Unfit("delta column " + std::to_string(c));
    }
    if (r.delta == model::Received::Delta::kRemoved) {
      RemoveSampleTypes(p, std::vector<size_t>(r.delta_columns.begin(), r.delta_columns.end()));
      return !p.sample_types.empty();
    }
    if (growth_.size() != p.samples.size() * r.delta_columns.size()) {
      return Unfit(std::to_string(growth_.size()) + " growth values for " +
                   std::to_string(p.samples.size()) + " samples");
    }
    const int64_t* next = growth_.data();
    for (const model::Sample& s : p.samples) {
      for (uint32_t c : r.delta_columns) p.values[s.values.begin + c] = *next++;
    }
    return true;
  }

 private:
  const model::Received& received_;
  const int64_t time_nanos_;
  const std::span<const int64_t> growth_;
  ProfileLimits limits_;
};

}  // namespace

Status Remake(model::Profile& p, const model::Received& r, int64_t time_nanos,
              std::span<const int64_t> growth) {
  ReplayDecisions decisions(r, time_nanos, growth);
  Result<StepsResult> shaped = RunProfileSteps(p, decisions, "{}");
  if (!shaped.ok()) {
    return shaped.status().code() == StatusCode::kDataLoss ? shaped.status()
                                                           : Unfit(shaped.status().message());
  }
  if (!shaped->store) return Unfit("nothing left to store");
  return OkStatus();
}

}  // namespace flamedb::distributor
