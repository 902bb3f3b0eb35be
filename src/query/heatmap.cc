#include "query/heatmap.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <cmath>
#include <limits>

#include "query/parallel.h"
#include "query/select.h"

namespace flamedb::query {
namespace {

constexpr int64_t kNanosPerMilli = 1000000;

// The step grid: slot right edges start + k*step (k >= 0), in ns.
struct Grid {
  int64_t start_ns = 0;
  int64_t step_ns = 0;
};

Result<Grid> CheckQuery(const HeatmapQuery& q, const QueryLimits& limits) {
  FLAMEDB_RETURN_IF_ERROR(CheckRange(q.start_ms, q.end_ms, true, limits).status());
  if (q.start_ms >= q.end_ms) {
    return InvalidArgumentError("start must be before end, got start=" +
                                std::to_string(q.start_ms) + " end=" + std::to_string(q.end_ms));
  }
  // Pyroscope's rule: a smaller step rounds to 0 ms in its arithmetic.
  if (!std::isfinite(q.step_seconds) || q.step_seconds < 0.001) {
    return InvalidArgumentError("step must be at least 1 ms (0.001 s), got " +
                                std::to_string(q.step_seconds));
  }
  if (q.limit < 0) {
    return InvalidArgumentError("limit must not be negative, got " + std::to_string(q.limit));
  }
  return Grid{q.start_ms * kNanosPerMilli, static_cast<int64_t>(std::llround(q.step_seconds * 1e9))};
}

// A group's points from one source.
Status ReadSource(const store::ProfileSource& s, const Selector& sel, const HeatmapQuery& q,
                  const Grid& grid, store::TimeRange range, QueryContext& ctx,
                  HeatmapPartial& out) {
  const std::vector<uint32_t> ids = SelectIds(s, sel);
  if (ids.empty()) return OkStatus();  // ForEachRow reads every series when given none.
  std::vector<HeatmapGroup*> group_of(ids.size());  // By position in `ids`.
  std::vector<uint32_t> series_of(ids.size());      // In its group's series table.
  for (size_t i = 0; i < ids.size(); ++i) {
    model::Labels labels = s.SeriesLabels(ids[i]);
    std::vector<model::LabelPair> kept;
    for (const std::string& name : q.group_by) {
      if (auto v = labels.Get(name); v.has_value()) kept.push_back({name, std::string(*v)});
    }
    model::Labels group_labels(std::move(kept));
    HeatmapGroup& group = out[group_labels.ToString()];
    group.labels = std::move(group_labels);
    group_of[i] = &group;
    if (q.exemplars) {
      series_of[i] = static_cast<uint32_t>(group.series.size());
      group.series.push_back(std::move(labels));
    }
  }
  uint32_t rows = 0;
  size_t points = 0;
  const auto read = q.spans ? &store::ProfileSource::ForEachRow
                            : &store::ProfileSource::ForEachRowTotal;
  FLAMEDB_RETURN_IF_ERROR((s.*read)(ids, range, [&](const store::RowView& row) {
    if (ctx.stopped() || (++rows % 256 == 0 && !ctx.Check().ok())) return;
    // The slot (right edge) at or after the profile's time; before the first: not asked for.
    if (row.time_nanos <= grid.start_ns - grid.step_ns) return;
    const int64_t k = (row.time_nanos - grid.start_ns + grid.step_ns - 1) / grid.step_ns;
    const int64_t slot_ms = (grid.start_ns + k * grid.step_ns) / kNanosPerMilli;
    const size_t at = std::lower_bound(ids.begin(), ids.end(), row.series) - ids.begin();
    std::vector<HeatmapPoint>& to = group_of[at]->points;
    if (!q.spans) {
      to.push_back({slot_ms, row.time_nanos, row.total, series_of[at], 0, {}});
      ++points;
      return;
    }
    for (const SpanSum& span : SpanSums(row, {})) {
      to.push_back({slot_ms, row.time_nanos, span.sum, series_of[at], span.span, span.trace});
      ++points;
    }
  }));
  FLAMEDB_RETURN_IF_ERROR(ctx.status());
  return ctx.Charge(static_cast<int64_t>(points * sizeof(HeatmapPoint)));
}

// Bucket lower bounds between the smallest and largest value, as Pyroscope's
// createYAxisBuckets; a single value gets a range of 1.
std::vector<int64_t> Buckets(int64_t lo, int64_t hi) {
  if (hi == lo) hi = lo + 1;
  const double size = static_cast<double>(hi - lo) / kHeatmapBuckets;
  std::vector<int64_t> mins(kHeatmapBuckets);
  for (int i = 0; i < kHeatmapBuckets; ++i) mins[i] = lo + static_cast<int64_t>(i * size);
  return mins;
}

// The bucket of `v`: the last whose lower bound is at most v.
int BucketOf(int64_t v, const std::vector<int64_t>& mins) {
  const auto it = std::upper_bound(mins.begin(), mins.end(), v);
  return it == mins.begin() ? 0 : static_cast<int>(it - mins.begin() - 1);
}

// Whether point i of `g` makes a better exemplar than point j: Exemplar::Beats without building
// either (the labels are compared only on a tie of value, time and span).
bool Better(const HeatmapGroup& g, size_t i, size_t j) {
  const HeatmapPoint& a = g.points[i];
  const HeatmapPoint& b = g.points[j];
  if (a.value != b.value) return a.value > b.value;
  if (a.time_ns != b.time_ns) return a.time_ns < b.time_ns;
  if (a.span_id != b.span_id) return a.span_id < b.span_id;
  return g.series[a.series].ToString() < g.series[b.series].ToString();
}

// One pass over the points: slots found by hash, the best point of each cell kept by index, so
// that a 24 h heatmap of 100 pods (half a million points) costs no label copies per point.
HeatmapSeries Cells(const HeatmapGroup& g, const std::vector<int64_t>& mins, bool exemplars) {
  std::unordered_map<int64_t, size_t> index;
  std::vector<HeatmapSlot> slots;
  std::vector<std::array<int64_t, kHeatmapBuckets>> best;  // Point index per cell; -1: none.
  for (size_t i = 0; i < g.points.size(); ++i) {
    const HeatmapPoint& p = g.points[i];
    const auto [it, added] = index.try_emplace(p.slot_ms, slots.size());
    if (added) {
      slots.push_back({p.slot_ms, std::vector<int32_t>(kHeatmapBuckets), {}});
      if (exemplars) best.emplace_back().fill(-1);
    }
    const int b = BucketOf(p.value, mins);
    ++slots[it->second].counts[b];
    if (!exemplars || p.series >= g.series.size()) continue;
    int64_t& cur = best[it->second][b];
    if (cur < 0 || Better(g, i, static_cast<size_t>(cur))) cur = static_cast<int64_t>(i);
  }
  for (size_t s = 0; s < best.size(); ++s) {
    for (int64_t i : best[s]) {
      if (i < 0) continue;
      const HeatmapPoint& p = g.points[i];
      slots[s].exemplars.push_back(
          {p.value, p.time_ns, g.series[p.series], p.span_id, p.trace_id});
    }
  }
  std::sort(slots.begin(), slots.end(), [](const HeatmapSlot& a, const HeatmapSlot& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });
  return {g.labels, std::move(slots)};
}

int64_t PointCount(const HeatmapSeries& s) {
  int64_t n = 0;
  for (const HeatmapSlot& slot : s.slots) {
    for (int32_t c : slot.counts) n += c;
  }
  return n;
}

}  // namespace

store::TimeRange HeatmapRange(const HeatmapQuery& q) {
  const auto step_ns = static_cast<int64_t>(std::llround(q.step_seconds * 1e9));
  return {q.start_ms * kNanosPerMilli - step_ns + 1, q.end_ms * kNanosPerMilli};
}

Result<HeatmapPartial> CollectHeatmap(const Sources& sources, const HeatmapQuery& q,
                                      const QueryLimits& limits, QueryContext& ctx) {
  FLAMEDB_ASSIGN_OR_RETURN(const Grid grid, CheckQuery(q, limits));
  FLAMEDB_ASSIGN_OR_RETURN(Selector sel, ProfileSelector(q.profile_type, q.selector));
  const store::TimeRange range = HeatmapRange(q);
  std::vector<HeatmapPartial> parts(sources.size());
  FLAMEDB_RETURN_IF_ERROR(ParallelFor(sources.size(), ctx.threads(), [&](size_t i) {
    if (!Overlaps(*sources[i], range)) return OkStatus();
    return ReadSource(*sources[i], sel, q, grid, range, ctx, parts[i]);
  }));
  HeatmapPartial out;
  for (HeatmapPartial& part : parts) MergeHeatmap(std::move(part), out);
  return out;
}

void MergeHeatmap(HeatmapPartial from, HeatmapPartial& into) {
  for (auto& [key, group] : from) {
    HeatmapGroup& to = into[key];
    if (to.points.empty() && to.series.empty()) {
      to = std::move(group);
      continue;
    }
    const auto offset = static_cast<uint32_t>(to.series.size());
    for (model::Labels& l : group.series) to.series.push_back(std::move(l));
    for (HeatmapPoint& p : group.points) {
      p.series += offset;
      to.points.push_back(p);
    }
  }
}

Heatmap FinishHeatmap(HeatmapPartial partial, const HeatmapQuery& q) {
  int64_t lo = std::numeric_limits<int64_t>::max();
  int64_t hi = std::numeric_limits<int64_t>::min();
  for (const auto& [key, g] : partial) {
    for (const HeatmapPoint& p : g.points) {
      lo = std::min(lo, p.value);
      hi = std::max(hi, p.value);
    }
  }
  Heatmap out;
  if (lo > hi) return out;  // No points.
  out.y_min = Buckets(lo, hi);
  std::vector<std::pair<int64_t, HeatmapSeries>> ranked;
  for (auto& [key, g] : partial) {
    if (g.points.empty()) continue;
    HeatmapSeries s = Cells(g, out.y_min, q.exemplars);
    const int64_t n = PointCount(s);
    ranked.emplace_back(n, std::move(s));
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second.labels.ToString() < b.second.labels.ToString();
  });
  for (auto& [n, s] : ranked) {
    if (q.limit > 0 && static_cast<int64_t>(out.series.size()) >= q.limit) break;
    out.series.push_back(std::move(s));
  }
  return out;
}

}  // namespace flamedb::query
