#include "ingest/jfr_builder.h"

namespace flamedb::ingest::jfr {

Builder::Builder(const ProfileKind& kind, int64_t period, int64_t time_nanos,
                 int64_t duration_nanos)
    : kind_(kind) {
  String("");
  for (const SampleType& t : kind.sample_types) {
    profile_.sample_types.push_back({String(t.type), String(t.unit)});
  }
  profile_.period_type = {String(kind.period_type.type), String(kind.period_type.unit)};
  profile_.period = kind.per_period ? period : (kind.period_type.type.empty() ? 0 : 1);
  profile_.time_nanos = time_nanos;
  profile_.duration_nanos = duration_nanos;
  profile_.mappings.push_back({});
  profile_.mappings.back().id = 1;
  profile_.mappings.back().has_functions = true;
}

int64_t Builder::String(std::string_view s) {
  auto it = strings_.find(s);
  if (it != strings_.end()) return it->second;
  const int64_t index = profile_.AddString(std::string(s));
  strings_.emplace(profile_.string_table.back(), index);
  return index;
}

uint64_t Builder::Location(std::string_view function, int64_t line) {
  uint64_t fn = 0;
  if (auto it = functions_.find(function); it != functions_.end()) {
    fn = it->second;
  } else {
    fn = profile_.functions.size() + 1;
    model::Function f;
    f.id = fn;
    f.name = String(function);
    profile_.functions.push_back(f);
    functions_.emplace(profile_.string_table[f.name], fn);
  }
  auto [it, inserted] = locations_.try_emplace({fn, line}, profile_.locations.size() + 1);
  if (inserted) {
    model::Location loc;
    loc.id = it->second;
    loc.mapping_id = 1;
    loc.lines = {static_cast<uint32_t>(profile_.lines.size()), 1};
    profile_.lines.push_back({fn, line, 0});
    profile_.locations.push_back(loc);
  }
  return it->second;
}

void Builder::Add(uint64_t key, std::span<const uint64_t> stack, const SampleLabels& labels,
                  std::span<const int64_t> values) {
  auto [it, inserted] =
      samples_.try_emplace({key, labels}, static_cast<uint32_t>(profile_.samples.size()));
  if (!inserted) {
    const model::Sample& s = profile_.samples[it->second];
    for (size_t i = 0; i < values.size(); ++i) profile_.values[s.values.begin + i] += values[i];
    return;
  }
  model::Sample s;
  s.locations = {static_cast<uint32_t>(profile_.location_ids.size()),
                 static_cast<uint32_t>(stack.size())};
  profile_.location_ids.insert(profile_.location_ids.end(), stack.begin(), stack.end());
  s.values = {static_cast<uint32_t>(profile_.values.size()), static_cast<uint32_t>(values.size())};
  profile_.values.insert(profile_.values.end(), values.begin(), values.end());
  s.labels = {static_cast<uint32_t>(profile_.labels.size()), static_cast<uint32_t>(labels.size())};
  for (const auto& [k, v] : labels) profile_.labels.push_back({k, v, 0, 0});
  profile_.samples.push_back(s);
}

}  // namespace flamedb::ingest::jfr
