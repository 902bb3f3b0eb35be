// The label side of a ProfileSource answered from a SeriesIndex held in memory: what blocks
// (the index read at open) and merged blocks (compaction) share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/series_index.h"
#include "store/source.h"

namespace flamedb::store {

// Subclasses fill `series_` before the source is shared, and never change it after.
class IndexedSource : public store::ProfileSource {
 public:
  size_t SeriesCount() const override { return series_.size(); }
  model::Labels SeriesLabels(uint32_t series) const override {
    return series < series_.size() ? series_.labels(series) : model::Labels();
  }
  void ForEachSeriesLabels(std::span<const uint32_t> series,
                           const std::function<void(uint32_t, const model::Labels&)>& fn) const override {
    for (const uint32_t id : series) {
      if (id < series_.size()) fn(id, series_.labels(id));
    }
  }
  std::vector<uint32_t> Postings(std::string_view name, std::string_view value) const override {
    return series_.Postings(name, value);
  }
  std::vector<std::string> LabelNames() const override { return series_.LabelNames(); }
  std::vector<std::string> LabelValues(std::string_view name) const override {
    return series_.LabelValues(name);
  }

 protected:
  SeriesIndex series_;
};

}  // namespace flamedb::store
