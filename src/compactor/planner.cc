#include "compactor/planner.h"

#include <algorithm>
#include <map>
#include <set>

namespace flamedb::compactor {
namespace {

int64_t FloorTo(int64_t t, int64_t step) {
  const int64_t q = t / step;
  return (q * step > t ? q - 1 : q) * step;  // Toward minus infinity, for times before 1970.
}

}  // namespace

std::vector<PlannedMerge> Plan(std::vector<block::BlockMeta> blocks, int64_t now_nanos,
                               const PlanOptions& options) {
  std::sort(blocks.begin(), blocks.end(), [](const block::BlockMeta& a, const block::BlockMeta& b) {
    return std::tie(a.min_time_nanos, a.ulid) < std::tie(b.min_time_nanos, b.ulid);
  });
  std::vector<PlannedMerge> out;
  std::set<std::string> taken;
  for (size_t i = 0; i < options.ranges.size(); ++i) {
    const int64_t range = std::max<int64_t>(options.ranges[i].count(), 1);
    const int level = static_cast<int>(i) + 2;
    std::map<int64_t, std::vector<const block::BlockMeta*>> windows;
    for (const block::BlockMeta& b : blocks) {
      if (b.level < level && taken.count(b.ulid) == 0) {
        windows[FloorTo(b.min_time_nanos, range)].push_back(&b);
      }
    }
    for (const auto& [start, members] : windows) {
      PlannedMerge merge;
      merge.level = level;
      merge.window_start_nanos = start;
      uint64_t bytes = 0;
      for (const block::BlockMeta* b : members) {
        if (merge.inputs.size() >= 2 && bytes + b->data_bytes > options.max_output_bytes) break;
        bytes += b->data_bytes;
        merge.inputs.push_back(*b);
      }
      const bool settled = start + range + options.settle.count() <= now_nanos;
      const bool full = merge.inputs.size() < members.size() || bytes >= options.max_output_bytes;
      const bool crowded =
          options.max_window_blocks > 0 && merge.inputs.size() >= options.max_window_blocks;
      if (merge.inputs.size() < 2 || !(settled || full || crowded)) continue;
      for (const block::BlockMeta& b : merge.inputs) taken.insert(b.ulid);
      out.push_back(std::move(merge));
    }
  }
  return out;
}

std::string JobId(const PlannedMerge& merge) {
  const std::string tenant = merge.inputs.empty() ? "" : merge.inputs[0].tenant;
  return tenant + "/" + std::to_string(merge.level) + "/" + std::to_string(merge.window_start_nanos);
}

}  // namespace flamedb::compactor
