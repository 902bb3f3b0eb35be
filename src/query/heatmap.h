// SelectHeatmap: how many profiles (or spans of profiles) of each size there were per step, per
// group of series (Pyroscope 2.x's querier.v1 SelectHeatmap, spec §4.9b). Each point is one
// profile's total (HEATMAP_QUERY_TYPE_INDIVIDUAL) or the sum of one span's samples in one
// profile (HEATMAP_QUERY_TYPE_SPAN). The value axis is 20 equal buckets between the smallest
// and the largest point of the whole answer, shared by every series; the time axis is the step
// grid, each slot covering (timestamp - step, timestamp].
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "query/querier.h"
#include "query/series.h"

namespace flamedb::query {

inline constexpr int kHeatmapBuckets = 20;  // Pyroscope's DefaultYAxisBuckets.

struct HeatmapQuery {
  std::string profile_type;
  std::string selector;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  double step_seconds = 0;
  std::vector<std::string> group_by;
  bool spans = false;      // HEATMAP_QUERY_TYPE_SPAN; else INDIVIDUAL.
  bool exemplars = false;  // Per cell, its largest point as an exemplar.
  int64_t limit = 0;       // Top-N series by their number of points; 0: all.
};

// One profile, or one span of a profile, on the step grid.
struct HeatmapPoint {
  int64_t slot_ms = 0;   // The slot's right edge.
  int64_t time_ns = 0;   // The profile's time.
  int64_t value = 0;
  uint32_t series = 0;   // In HeatmapGroup::series (with exemplars only).
  uint64_t span_id = 0;  // Span queries.
  model::TraceId trace_id;  // Span queries: the span's trace, when its samples name one.
};

// What sources add to a heatmap for one group of series. Partials of disjoint sources merge
// into the partial of their union: the value axis is known only once every point is in.
struct HeatmapGroup {
  model::Labels labels;               // The group_by labels.
  std::vector<model::Labels> series;  // With exemplars: the series points refer to.
  std::vector<HeatmapPoint> points;
};
using HeatmapPartial = std::map<std::string, HeatmapGroup>;  // By labels' string.

struct HeatmapSlot {
  int64_t timestamp_ms = 0;
  std::vector<int32_t> counts;      // By value bucket; kHeatmapBuckets of them.
  std::vector<Exemplar> exemplars;  // One per non-empty bucket, by bucket, with exemplars.
};

struct HeatmapSeries {
  model::Labels labels;
  std::vector<HeatmapSlot> slots;  // Slots with points, by time.
};

struct Heatmap {
  std::vector<int64_t> y_min;  // Each bucket's lower bound; empty without points.
  std::vector<HeatmapSeries> series;
};

// Checks the query and reads `sources` into a partial. Errors: kInvalidArgument (range, a step
// under 1 ms, a negative limit, selector, profile type); those of `ctx` (cancelled, deadline,
// memory: each point is charged).
Result<HeatmapPartial> CollectHeatmap(const Sources& sources, const HeatmapQuery& query,
                                      const QueryLimits& limits, QueryContext& ctx);
// Adds `from` to `into`.
void MergeHeatmap(HeatmapPartial from, HeatmapPartial& into);
// The heatmap of every point: buckets, cells, exemplars, then the top `limit` series by their
// number of points (ties by labels); the order is that too.
Heatmap FinishHeatmap(HeatmapPartial partial, const HeatmapQuery& query);
// The store range a heatmap reads: one step before start (the first slot) to end.
store::TimeRange HeatmapRange(const HeatmapQuery& query);

}  // namespace flamedb::query
