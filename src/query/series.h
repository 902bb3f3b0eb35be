// SelectSeries: per-profile totals of matching series, grouped by labels and bucketed by step
// (spec §4.9).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "query/querier.h"

namespace flamedb::query {

enum class ExemplarKind { kNone, kIndividual, kSpan };

struct SeriesQuery {
  std::string profile_type;
  std::string selector;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  double step_seconds = 0;
  std::vector<std::string> group_by;
  bool average = false;  // TIME_SERIES_AGGREGATION_TYPE_AVERAGE; else SUM.
  int64_t limit = 0;     // Top-N series by their sum; 0: all.
  // A profile's value counts only the stacks that start with these root-first names.
  std::vector<std::string> call_site;
  // Attach to each point its exemplar: the profile with the largest value
  // (EXEMPLAR_TYPE_INDIVIDUAL), or the span of a profile whose samples have the largest value
  // (EXEMPLAR_TYPE_SPAN).
  ExemplarKind exemplars = ExemplarKind::kNone;
};

// One profile that stands for a point: its value, time and series.
struct Exemplar {
  int64_t value = 0;
  int64_t time_ns = 0;
  model::Labels labels;
  uint64_t span_id = 0;  // ExemplarKind::kSpan: the span; its value is its samples' sum.
  model::TraceId trace_id;  // The span's trace, when its samples name one.
  // Whether this one stands before `other`: a larger value, then the earlier time, then the
  // series (so the choice does not depend on the order sources are read in).
  bool Beats(const Exemplar& other) const;
};

// One span of a row: the sum of its samples, and its trace (the first its samples name).
struct SpanSum {
  uint64_t span = 0;
  int64_t sum = 0;
  model::TraceId trace;
};

// The spans of `row` with the sum of their samples (those `masks` keeps: per partition, by
// stack; empty: all), by span id. Samples without a span are left out.
std::vector<SpanSum> SpanSums(const store::RowView& row,
                              const std::vector<std::vector<bool>>& masks);

struct Point {
  int64_t timestamp_ms = 0;
  double value = 0;
  std::optional<Exemplar> exemplar;  // With SeriesQuery::exemplars.
};

struct TimeSeries {
  model::Labels labels;  // Only the group_by labels a series has.
  std::vector<Point> points;
};

// What one process's sources add to a SelectSeries: per group (by its labels' string), the
// sum and count of profile values per step boundary. Partials of disjoint sources merge into
// the partial of their union, so the result does not depend on how sources were spread.
struct SeriesBucket {
  double sum = 0;
  int64_t count = 0;
  std::optional<Exemplar> exemplar;  // The best so far, with SeriesQuery::exemplars.
  // Adds `other` (of other profiles).
  void Add(const SeriesBucket& other);
};
struct SeriesGroup {
  model::Labels labels;
  std::map<int64_t, SeriesBucket> buckets;  // Boundary ms -> bucket.
};
using SeriesPartial = std::map<std::string, SeriesGroup>;

// Checks the query as SelectSeries does and reads `sources` into a partial.
Result<SeriesPartial> CollectSeries(const Sources& sources, const SeriesQuery& query,
                                    const QueryLimits& limits, QueryContext& ctx);
// Adds `from` to `into`.
void MergeSeries(SeriesPartial from, SeriesPartial& into);
// The answer of SelectSeries from the partial of all sources: aggregation, order and limit.
std::vector<TimeSeries> FinishSeries(SeriesPartial partial, const SeriesQuery& query);

// A profile at time t lands on the first step boundary (start + k*step) at or after t; points
// only where data landed, ascending; series by the sum of their points, descending.
// Errors: kInvalidArgument (range, step 0, selector, profile type).
// Errors also: those of `ctx` (cancelled, deadline).
Result<std::vector<TimeSeries>> SelectSeries(const Sources& sources, const SeriesQuery& query,
                                             const QueryLimits& limits, QueryContext& ctx);
// The same without limits on the query's work.
Result<std::vector<TimeSeries>> SelectSeries(const Sources& sources, const SeriesQuery& query,
                                             const QueryLimits& limits);

}  // namespace flamedb::query
