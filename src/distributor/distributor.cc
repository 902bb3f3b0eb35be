#include "distributor/distributor.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "distributor/steps.h"

namespace flamedb::distributor {
namespace {

constexpr std::string_view kRateLimited = "rate_limited";

// Bytes in Go humanize's IEC style: "512 B", "4.0 MiB", "12 KiB".
std::string Iec(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof(buf), "%.0f B", bytes);
  } else {
    std::snprintf(buf, sizeof(buf), bytes < 10 ? "%.1f %s" : "%.0f %s", bytes, kUnits[unit]);
  }
  return buf;
}

size_t LabelBytes(const model::Labels& labels) {
  size_t n = 0;
  for (const model::LabelPair& p : labels.pairs()) {
    n += p.name.size() + p.value.size();
  }
  return n;
}

std::string MetricOf(const model::Labels& labels) {
  return std::string(labels.Get(model::kMetricNameLabel).value_or("unknown"));
}

}  // namespace

std::string ProfileTypeId(const model::Profile& p, size_t index, std::string_view metric) {
  const model::ValueType& vt = p.sample_types[index];
  return std::string(metric) + ":" + std::string(p.String(vt.type)) + ":" +
         std::string(p.String(vt.unit)) + ":" + std::string(p.String(p.period_type.type)) + ":" +
         std::string(p.String(p.period_type.unit));
}

Distributor::Distributor(ProfileSink& sink, const Distributor& other)
    : sink_(sink),
      overrides_(other.overrides_),
      clock_(other.clock_),
      logger_(other.logger_),
      received_compressed_(other.received_compressed_),
      received_decompressed_(other.received_decompressed_),
      received_samples_(other.received_samples_),
      discarded_profiles_(other.discarded_profiles_),
      discarded_bytes_(other.discarded_bytes_) {}

Distributor::Distributor(ProfileSink& sink, const Overrides& overrides, const base::Clock& clock,
                         base::Logger& logger, base::MetricsRegistry& metrics)
    : sink_(sink),
      overrides_(overrides),
      clock_(clock),
      logger_(logger),
      received_compressed_(metrics.AddHistogramFamily(
          "pyroscope_distributor_received_compressed_bytes",
          "The number of compressed bytes per profile received by the distributor.",
          {"type", "tenant"}, {1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20})),
      received_decompressed_(metrics.AddHistogramFamily(
          "pyroscope_distributor_received_decompressed_bytes",
          "The number of decompressed bytes per profile received by the distributor.",
          {"type", "tenant"}, {1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20})),
      received_samples_(metrics.AddHistogramFamily(
          "pyroscope_distributor_received_samples",
          "The number of samples per profile received by the distributor.", {"type", "tenant"},
          {10, 100, 1000, 4000, 16000, 64000})),
      discarded_profiles_(metrics.AddCounterFamily(
          "pyroscope_discarded_samples_total",
          "The number of profiles discarded (as in Pyroscope, despite the name), by reason.",
          {"reason", "tenant"})),
      discarded_bytes_(metrics.AddCounterFamily("pyroscope_discarded_bytes_total",
                                                "The number of bytes discarded, by reason.",
                                                {"reason", "tenant"})) {}

void Distributor::CountReceived(const std::string& tenant, const IncomingProfile& in) {
  const std::vector<std::string> labels = {MetricOf(in.labels), tenant};
  received_compressed_.WithLabels(labels).Observe(static_cast<double>(in.compressed_bytes));
  received_decompressed_.WithLabels(labels).Observe(static_cast<double>(in.uncompressed_bytes));
  received_samples_.WithLabels(labels).Observe(static_cast<double>(in.profile.samples.size()));
}

void Distributor::CountDiscarded(const std::string& tenant, std::string_view reason,
                                 size_t bytes) {
  const std::vector<std::string> labels = {std::string(reason.empty() ? "unknown" : reason),
                                           tenant};
  discarded_profiles_.WithLabels(labels).Inc();
  discarded_bytes_.WithLabels(labels).Inc(static_cast<double>(bytes));
}

Status Distributor::Push(const std::string& tenant, std::vector<IncomingProfile> profiles,
                         std::optional<std::chrono::system_clock::time_point> received_at) {
  if (profiles.empty()) {
    return InvalidArgumentError("no profiles received");
  }
  const std::shared_ptr<const Limits> limits = overrides_.For(tenant);
  const std::chrono::system_clock::time_point now = received_at.value_or(clock_.Now());
  Status first;
  for (IncomingProfile& in : profiles) {
    const size_t bytes = in.uncompressed_bytes;
    if (Status s = PushOne(tenant, *limits, in, now); !s.ok()) {
      CountDiscarded(tenant, s.tag(), bytes);
      logger_.Debug("profile rejected", "tenant", tenant, "err", s);
      if (first.ok()) {
        first = s;
      }
    }
  }
  return first;
}

namespace {

// Pyroscope's default relabel rule: godeltaprof_<x> profiles are already deltas named <x>.
void ApplyDefaultRelabeling(model::Labels& labels) {
  constexpr std::string_view kPrefix = "godeltaprof_";
  const std::string name(labels.Get(model::kMetricNameLabel).value_or(""));
  if (name.size() > kPrefix.size() && name.compare(0, kPrefix.size(), kPrefix) == 0) {
    labels.Set(model::kMetricNameLabel, name.substr(kPrefix.size()));
    labels.Set(model::kDeltaLabel, "false");
  }
}

// The live push's decisions: the tenant's limits, the clock, and the delta tracker, which notes
// what it did in Profile::received for replay.
class LiveDecisions final : public StepDecisions {
 public:
  LiveDecisions(const ProfileLimits& limits, std::chrono::system_clock::time_point now,
                DeltaTracker& delta, std::string_view tenant, const model::Labels& labels)
      : limits_(limits), now_(now), delta_(delta), tenant_(tenant), labels_(labels) {}

  const ProfileLimits& limits() const override { return limits_; }
  std::chrono::system_clock::time_point now() const override { return now_; }
  Result<bool> Delta(model::Profile& p) override {
    return !DeltaTracker::Applies(labels_) || delta_.Apply(tenant_, labels_, p);
  }

 private:
  const ProfileLimits& limits_;
  const std::chrono::system_clock::time_point now_;
  DeltaTracker& delta_;
  const std::string_view tenant_;
  const model::Labels& labels_;
};

}  // namespace

Status Distributor::PushOne(const std::string& tenant, const Limits& limits, IncomingProfile& in,
                            std::chrono::system_clock::time_point now) {
  if (in.labels.Get(model::kServiceNameLabel).value_or("").empty()) {
    in.labels.Set(model::kServiceNameLabel, kDefaultServiceName);
  }
  if (limits.ingestion_relabeling_default_rules_position == "first") {
    ApplyDefaultRelabeling(in.labels);
  }
  CountReceived(tenant, in);
  const double cost = static_cast<double>(in.uncompressed_bytes + LabelBytes(in.labels));
  if (!rate_limiter_.Allow(tenant, cost, limits.ingestion_rate_mb * (1 << 20), limits.BurstBytes(),
                           clock_.SteadyNow())) {
    return ResourceExhaustedError("push rate limit (" + Iec(limits.ingestion_rate_mb * (1 << 20)) +
                                  ") exceeded while adding " + Iec(cost))
        .WithTag(kRateLimited);
  }
  const std::string shown = in.labels.ToString();
  if (static_cast<int64_t>(in.uncompressed_bytes) > limits.max_profile_size_bytes) {
    return InvalidArgumentError("the profile with labels '" + shown +
                                "' exceeds the size limit (max_profile_size_byte, actual: " +
                                std::to_string(in.uncompressed_bytes) + ", limit: " +
                                std::to_string(limits.max_profile_size_bytes) + ")")
        .WithTag(reason::kProfileSizeLimit);
  }
  LiveDecisions decisions(limits.profile, now, delta_, tenant, in.labels);
  FLAMEDB_ASSIGN_OR_RETURN(const StepsResult shaped,
                           RunProfileSteps(in.profile, decisions, shown));
  if (!shaped.store) {
    return OkStatus();
  }
  in.labels.Delete(model::kDeltaLabel);  // Decided; Pyroscope does not store it either.
  LimitSessionId(in.labels, limits.labels.max_sessions_per_series);
  FLAMEDB_ASSIGN_OR_RETURN(
      std::vector<SeriesProfile> series,
      Split(limits, std::move(in.labels), shaped.links,
            std::make_shared<model::Profile>(std::move(in.profile))));
  if (series.empty()) {
    CountDiscarded(tenant, "dropped_by_relabel_rules", in.uncompressed_bytes);
    return OkStatus();  // Every series was dropped by a rule: the client did nothing wrong.
  }
  return sink_.Append(tenant, std::move(series));
}

bool Distributor::RelabelSeries(const Limits& limits, model::Labels& labels) {
  if (!Relabel(labels, *limits.relabel_rules)) {
    return false;
  }
  if (limits.ingestion_relabeling_default_rules_position == "last") {
    ApplyDefaultRelabeling(labels);
  }
  return true;
}

Result<std::vector<SeriesProfile>> Distributor::Split(const Limits& limits, model::Labels labels,
                                                      const LinkKeys& links,
                                                      std::shared_ptr<model::Profile> profile) {
  // Most profiles have no sample labels but span and trace ids: one series, every sample.
  const bool unlabeled = std::all_of(profile->labels.begin(), profile->labels.end(),
                                     [&](const model::Label& l) { return links.Has(l.key); });
  using Group = std::vector<std::pair<std::string_view, std::string_view>>;
  std::map<Group, std::vector<uint32_t>> groups;
  if (unlabeled) {
    groups[Group{}];
  }
  for (uint32_t i = 0; i < profile->samples.size() && !unlabeled; ++i) {
    Group g;
    for (const model::Label& l : profile->Labels(profile->samples[i])) {
      if (!links.Has(l.key)) {
        g.emplace_back(profile->String(l.key), profile->String(l.str));
      }
    }
    groups[std::move(g)].push_back(i);
  }
  std::vector<SeriesProfile> out;
  if (groups.size() == 1 && groups.begin()->first.empty()) {
    if (!RelabelSeries(limits, labels)) {
      return out;  // Dropped by a rule: accepted, not stored.
    }
    FLAMEDB_RETURN_IF_ERROR(ValidateLabels(labels, limits.labels));
    out.push_back({std::move(labels), std::move(profile), {}});
    return out;
  }
  std::shared_ptr<const model::Profile> shared = std::move(profile);
  std::map<std::string, size_t> by_labels;  // Groups that end up with equal labels merge.
  for (auto& [group, samples] : groups) {
    model::Labels series = labels;
    for (const auto& [k, v] : group) {
      if (!series.Get(k).has_value()) {  // Request labels win.
        series.Set(k, v);
      }
    }
    if (!RelabelSeries(limits, series)) {
      continue;
    }
    FLAMEDB_RETURN_IF_ERROR(ValidateLabels(series, limits.labels));
    auto [it, inserted] = by_labels.try_emplace(series.ToString(), out.size());
    if (inserted) {
      out.push_back({std::move(series), shared, std::move(samples)});
    } else {
      auto& merged = out[it->second].samples;
      merged.insert(merged.end(), samples.begin(), samples.end());
    }
  }
  return out;
}

}  // namespace flamedb::distributor
