#include "head/head.h"

#include <numeric>

namespace flamedb::head {
namespace {

constexpr std::string_view kPerTypeLabels[] = {"__profile_type__", "__type__", "__unit__",
                                               "__period_type__", "__period_unit__",
                                               "__service_name__"};

}  // namespace

model::Labels SampleTypeSeriesLabels(const model::Labels& labels, const model::Profile& p,
                                     size_t type) {
  model::Labels out = labels;
  const std::string metric(labels.Get(model::kMetricNameLabel).value_or(""));
  const std::string_view sample_type = p.String(p.sample_types[type].type);
  const std::string_view unit = p.String(p.sample_types[type].unit);
  const std::string_view period_type = p.String(p.period_type.type);
  const std::string_view period_unit = p.String(p.period_type.unit);
  out.Set("__type__", sample_type);
  out.Set("__unit__", unit);
  if (!period_type.empty() || !period_unit.empty()) {
    out.Set("__period_type__", period_type);
    out.Set("__period_unit__", period_unit);
  }
  out.Set(model::kProfileTypeLabel, metric + ":" + std::string(sample_type) + ":" +
                                        std::string(unit) + ":" + std::string(period_type) +
                                        ":" + std::string(period_unit));
  out.Set("__service_name__", labels.Get(model::kServiceNameLabel).value_or(""));
  return out;
}

uint32_t Head::PartitionFor(std::string_view service) {
  auto it = partition_by_service_.find(service);
  if (it != partition_by_service_.end()) {
    return it->second;
  }
  partitions_.push_back(std::make_unique<symdb::Partition>());
  const auto id = static_cast<uint32_t>(partitions_.size() - 1);
  partition_by_service_.emplace(std::string(service), id);
  return id;
}

size_t Head::NewSeries(const model::Labels& labels, const model::Profile& profile) const {
  base::MutexLock lock(mu_);
  size_t n = 0;
  for (size_t type = 0; type < profile.sample_types.size(); ++type) {
    n += series_.Contains(SampleTypeSeriesLabels(labels, profile, type)) ? 0 : 1;
  }
  return n;
}

size_t Head::series() const {
  base::MutexLock lock(mu_);
  return series_.size();
}

Status Head::Append(const model::Labels& labels, const model::Profile& profile,
                    const std::vector<uint32_t>& samples, size_t max_series) {
  std::vector<uint32_t> all;
  if (samples.empty()) {
    all.resize(profile.samples.size());
    std::iota(all.begin(), all.end(), 0);
  }
  const std::vector<uint32_t>& chosen = samples.empty() ? all : samples;
  base::MutexLock lock(mu_);
  // Check the limit for all the series first, so that an error stores nothing.
  std::vector<model::Labels> series_labels;
  size_t missing = 0;
  for (size_t type = 0; type < profile.sample_types.size(); ++type) {
    series_labels.push_back(SampleTypeSeriesLabels(labels, profile, type));
    missing += series_.Contains(series_labels.back()) ? 0 : 1;
  }
  if (max_series > 0 && missing > 0 && series_.size() + missing > max_series) {
    return ResourceExhaustedError(
               "Maximum active series limit exceeded (" + std::to_string(series_.size()) + "/" +
               std::to_string(max_series) +
               "), reduce the number of active streams (reduce labels or reduce label values), "
               "or contact your administrator to see if the limit can be increased")
        .WithTag("series_limit");
  }
  std::vector<uint32_t> series;
  for (const model::Labels& l : series_labels) {
    FLAMEDB_ASSIGN_OR_RETURN(uint32_t id, series_.GetOrCreate(l));
    series.push_back(id);
  }
  const uint32_t partition =
      PartitionFor(labels.Get(model::kServiceNameLabel).value_or(""));
  const std::vector<uint32_t> stacks = partitions_[partition]->AddSamples(profile, chosen);
  for (size_t type = 0; type < series.size(); ++type) {
    ProfileRow row{series[type], partition, profile.time_nanos, {}, {}, 0};
    for (size_t i = 0; i < chosen.size(); ++i) {
      const int64_t v = profile.Values(profile.samples[chosen[i]])[type];
      if (v != 0) {
        row.stacks.push_back(stacks[i]);
        row.values.push_back(v);
        row.total += v;
      }
    }
    rows_.push_back(std::move(row));
  }
  return OkStatus();
}

std::vector<SeriesSummary> Head::Summaries() const {
  base::MutexLock lock(mu_);
  std::map<std::string, SeriesSummary> by_base;
  std::map<std::pair<std::string, std::string>, int64_t> rows_per_type;
  for (const ProfileRow& row : rows_) {
    const model::Labels& labels = series_.labels(row.series);
    model::Labels base = labels;
    for (std::string_view name : kPerTypeLabels) {
      base.Delete(name);
    }
    const std::string key = base.ToString();
    const std::string type(labels.Get(model::kProfileTypeLabel).value_or(""));
    SeriesSummary& s = by_base[key];
    s.labels = std::move(base);
    s.totals[type] += row.total;
    s.profiles = std::max(s.profiles, ++rows_per_type[{key, type}]);
  }
  std::vector<SeriesSummary> out;
  for (auto& [key, s] : by_base) {
    out.push_back(std::move(s));
  }
  return out;
}

size_t Head::rows() const {
  base::MutexLock lock(mu_);
  return rows_.size();
}

}  // namespace flamedb::head
