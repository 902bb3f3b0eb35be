#include "distributor/recording_sink.h"

#include "base/json.h"

namespace flamedb::distributor {

Status RecordingSink::Append(std::string_view tenant, std::vector<SeriesProfile> profiles) {
  base::MutexLock lock(mu_);
  auto [it, inserted] = tenants_.try_emplace(std::string(tenant));
  Tenant& t = it->second;
  for (const SeriesProfile& sp : profiles) {
    const std::string key = sp.labels.ToString();
    auto series = t.series.find(key);
    if (series == t.series.end()) {
      if (t.series.size() >= max_series_) {
        ++t.untracked_profiles;
        continue;
      }
      series = t.series.emplace(key, Series{sp.labels, 0, {}}).first;
    }
    ++series->second.profiles;
    const model::Profile& p = *sp.profile;
    const std::string metric(sp.labels.Get(model::kMetricNameLabel).value_or(""));
    for (size_t type = 0; type < p.sample_types.size(); ++type) {
      int64_t sum = 0;
      auto add = [&](const model::Sample& s) { sum += p.Values(s)[type]; };
      if (sp.samples.empty()) {
        for (const model::Sample& s : p.samples) add(s);
      } else {
        for (uint32_t i : sp.samples) add(p.samples[i]);
      }
      series->second.totals[ProfileTypeId(p, type, metric)] += sum;
    }
  }
  return OkStatus();
}

std::string RecordingSink::Json(std::string_view tenant) const {
  base::MutexLock lock(mu_);
  std::string out = "{\"series\":[";
  auto it = tenants_.find(tenant);
  int64_t untracked = 0;
  if (it != tenants_.end()) {
    bool first = true;
    for (const auto& [key, s] : it->second.series) {
      out += first ? "{\"labels\":{" : ",{\"labels\":{";
      first = false;
      for (size_t i = 0; i < s.labels.pairs().size(); ++i) {
        out += i == 0 ? "" : ",";
        base::AppendJsonString(out, s.labels.pairs()[i].name);
        out += ':';
        base::AppendJsonString(out, s.labels.pairs()[i].value);
      }
      out += "},\"profiles\":" + std::to_string(s.profiles) + ",\"totals\":{";
      bool first_total = true;
      for (const auto& [type, total] : s.totals) {
        out += first_total ? "" : ",";
        first_total = false;
        base::AppendJsonString(out, type);
        out += ':' + std::to_string(total);
      }
      out += "}}";
    }
    untracked = it->second.untracked_profiles;
  }
  return out + "],\"untracked_profiles\":" + std::to_string(untracked) + "}";
}

}  // namespace flamedb::distributor
