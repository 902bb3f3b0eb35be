#include "query/stacks.h"

#include <algorithm>

namespace flamedb::query {
namespace {

// How often the row loop looks at the client and the clock.
constexpr uint32_t kCheckEveryRows = 64;

}  // namespace

Result<StackSums> SumStacks(const store::ProfileSource& source, std::span<const uint32_t> series,
                            store::TimeRange range, QueryContext& ctx,
                            SampleLinks links,
                            const std::function<bool(uint32_t, int64_t)>* keep) {
  StackSums sums(source.PartitionCount());
  if (series.empty()) return sums;
  uint32_t rows = 0;
  FLAMEDB_RETURN_IF_ERROR(source.ForEachRow(series, range, [&](const store::RowView& row) {
    if (ctx.stopped() || (++rows % kCheckEveryRows == 0 && !ctx.Check().ok())) return;
    // No sample of the row has a span (trace) id.
    if (!links.spans.empty() && row.spans.empty()) return;
    if (!links.traces.empty() && row.traces.empty()) return;
    if (keep != nullptr && !(*keep)(row.series, row.time_nanos)) return;
    if (row.partition >= sums.size()) sums.resize(row.partition + 1);
    std::vector<int64_t>& s = sums[row.partition];
    if (!row.stacks.empty()) {
      const uint32_t max_stack = *std::max_element(row.stacks.begin(), row.stacks.end());
      if (max_stack >= s.size()) {
        const size_t grown = std::max<size_t>(max_stack + 1, s.size() * 2);
        if (!ctx.Charge(static_cast<int64_t>((grown - s.size()) * sizeof(int64_t))).ok()) return;
        s.resize(grown);
      }
    }
    if (links.empty()) {
      for (size_t i = 0; i < row.stacks.size(); ++i) s[row.stacks[i]] += row.values[i];
      return;
    }
    for (size_t i = 0; i < row.stacks.size(); ++i) {
      if ((links.spans.empty() ||
           std::binary_search(links.spans.begin(), links.spans.end(), row.spans[i])) &&
          (links.traces.empty() ||
           std::binary_search(links.traces.begin(), links.traces.end(), row.traces[i]))) {
        s[row.stacks[i]] += row.values[i];
      }
    }
  }));
  FLAMEDB_RETURN_IF_ERROR(ctx.status());
  return sums;
}

std::vector<bool> CallSiteMask(const symdb::Partition& p,
                               const std::vector<std::string>& call_site) {
  const auto want = static_cast<int32_t>(call_site.size());
  if (want == 0) return {};
  // Per node: how many call-site frames its path matched so far, or -1 after a mismatch.
  std::vector<int32_t> matched(p.stacks(), 0);
  std::vector<bool> mask(p.stacks(), false);
  for (uint32_t n = 1; n < p.stacks(); ++n) {
    int32_t m = matched[p.stack_parent(n)];
    if (m >= 0 && m < want) {
      const auto lines = p.Lines(p.location(p.stack_location(n)));
      // pprof lists inlined frames innermost first; a stack reads caller first.
      for (auto line = lines.rbegin(); line != lines.rend() && m >= 0 && m < want; ++line) {
        m = p.String(p.function(line->function).name) == call_site[m] ? m + 1 : -1;
      }
    }
    matched[n] = m;
    mask[n] = m == want;
  }
  return mask;
}

}  // namespace flamedb::query
