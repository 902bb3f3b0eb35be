#include "store/summary.h"

#include <string_view>

namespace flamedb::store {
namespace {

constexpr std::string_view kPerTypeLabels[] = {"__profile_type__", "__type__", "__unit__",
                                               "__period_type__", "__period_unit__",
                                               "__service_name__"};

}  // namespace

Result<std::vector<SeriesSummary>> Summarize(const std::vector<const ProfileSource*>& sources) {
  std::map<std::string, SeriesSummary> by_base;
  std::map<std::pair<std::string, std::string>, int64_t> rows_per_type;
  for (const ProfileSource* source : sources) {
    // Labels per series id of this source, resolved once.
    std::vector<std::pair<std::string, std::string>> keys(source->SeriesCount());
    std::vector<model::Labels> bases(keys.size());
    for (uint32_t id = 0; id < keys.size(); ++id) {
      const model::Labels labels = source->SeriesLabels(id);
      bases[id] = labels;
      for (std::string_view name : kPerTypeLabels) {
        bases[id].Delete(name);
      }
      keys[id] = {bases[id].ToString(), std::string(labels.Get("__profile_type__").value_or(""))};
    }
    FLAMEDB_RETURN_IF_ERROR(
        source->ForEachRow({}, {INT64_MIN, INT64_MAX}, [&](const RowView& row) {
          if (row.series >= keys.size()) {
            return;  // A series created after the labels were read.
          }
          const auto& [key, type] = keys[row.series];
          SeriesSummary& s = by_base[key];
          if (s.labels.empty()) {
            s.labels = bases[row.series];
          }
          s.totals[type] += row.total;
          s.profiles = std::max(s.profiles, ++rows_per_type[keys[row.series]]);
        }));
  }
  std::vector<SeriesSummary> out;
  out.reserve(by_base.size());
  for (auto& [key, s] : by_base) {
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace flamedb::store
