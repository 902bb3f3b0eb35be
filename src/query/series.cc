#include "query/series.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "query/parallel.h"
#include "query/select.h"
#include "query/stacks.h"

namespace flamedb::query {
namespace {

constexpr int64_t kNanosPerMilli = 1000000;

// Per partition of `s`, the stacks that count (empty: all of them).
Result<std::vector<std::vector<bool>>> Masks(const store::ProfileSource& s,
                                             const std::vector<std::string>& call_site) {
  std::vector<std::vector<bool>> masks;
  if (call_site.empty()) return masks;  // CallSiteMask's "all" is empty too.
  masks.resize(s.PartitionCount());
  for (uint32_t p = 0; p < masks.size(); ++p) {
    FLAMEDB_RETURN_IF_ERROR(s.WithSymbols(
        p, [&](const symdb::Partition& part) { masks[p] = CallSiteMask(part, call_site); }));
  }
  return masks;
}

// A row's value: its total, or the sum of the stacks `masks` keeps.
int64_t RowValue(const store::RowView& row, const std::vector<std::vector<bool>>& masks) {
  if (masks.empty()) return row.total;
  if (row.partition >= masks.size()) return 0;
  const std::vector<bool>& m = masks[row.partition];
  int64_t v = 0;
  for (size_t i = 0; i < row.stacks.size(); ++i) {
    if (row.stacks[i] < m.size() && m[row.stacks[i]]) v += row.values[i];
  }
  return v;
}

// Makes `row` (of the series with `labels`), or its span `span`, the exemplar of its bucket if
// it beats `best`.
void Consider(const store::RowView& row, int64_t value, const SpanSum& span,
              const model::Labels& labels, std::optional<Exemplar>& best) {
  // Most rows lose on value or time alone: the labels are copied only for a likely winner.
  if (best.has_value() &&
      (value < best->value || (value == best->value && row.time_nanos > best->time_ns))) {
    return;
  }
  Exemplar e{value, row.time_nanos, labels, span.span, span.trace};
  if (!best.has_value() || e.Beats(*best)) best = std::move(e);
}

// The span of `row` whose samples (those `masks` keeps) add up to the most; no span: span 0.
// Ties go to the smaller span id.
SpanSum LargestSpan(const store::RowView& row, const std::vector<std::vector<bool>>& masks) {
  SpanSum best;
  for (const SpanSum& s : SpanSums(row, masks)) {
    if (s.sum > best.sum) best = s;
  }
  return best;
}

// One source's part of a SelectSeries: its groups (by group_by labels) and their buckets.
struct SourcePart {
  std::vector<model::Labels> labels;                // By local group.
  std::vector<std::map<int64_t, SeriesBucket>> buckets;  // By local group: boundary ms -> bucket.
};

// The step grid of a query: boundaries start + k*step up to end, in ns.
struct Steps {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int64_t step_ns = 0;
};

// Reads the rows of `s` that `sel` picks into `out`. Errors: those of the source and `ctx`.
Status ReadSource(const store::ProfileSource& s, const Selector& sel, const SeriesQuery& q,
                  const Steps& steps, QueryContext& ctx, SourcePart& out) {
  const std::vector<uint32_t> ids = SelectIds(s, sel);
  if (ids.empty()) return OkStatus();  // ForEachRow reads every series when given none.
  std::map<std::string, uint32_t> group_index;
  std::vector<uint32_t> group_of(ids.size());  // By position in `ids`.
  std::vector<model::Labels> series_labels;    // By position in `ids`, for exemplars.
  for (size_t i = 0; i < ids.size(); ++i) {
    const model::Labels labels = s.SeriesLabels(ids[i]);
    if (q.exemplars != ExemplarKind::kNone) series_labels.push_back(labels);
    std::vector<model::LabelPair> kept;
    for (const std::string& name : q.group_by) {
      if (auto v = labels.Get(name); v.has_value()) kept.push_back({name, std::string(*v)});
    }
    model::Labels group(std::move(kept));
    const auto [it, added] =
        group_index.try_emplace(group.ToString(), static_cast<uint32_t>(out.labels.size()));
    if (added) out.labels.push_back(std::move(group));
    group_of[i] = it->second;
  }
  out.buckets.resize(out.labels.size());
  FLAMEDB_ASSIGN_OR_RETURN(const std::vector<std::vector<bool>> masks, Masks(s, q.call_site));
  uint32_t rows = 0;
  // Without a call site (or span exemplars) only row totals count, which blocks read without
  // their samples.
  const bool spans = q.exemplars == ExemplarKind::kSpan;
  const auto read = masks.empty() && !spans ? &store::ProfileSource::ForEachRowTotal
                                            : &store::ProfileSource::ForEachRow;
  FLAMEDB_RETURN_IF_ERROR((s.*read)(ids, {steps.start_ns, steps.end_ns}, [&](const store::RowView& row) {
    if (ctx.stopped() || (++rows % 256 == 0 && !ctx.Check().ok())) return;
    // The first boundary at or after the profile's time.
    const int64_t k = (row.time_nanos - steps.start_ns + steps.step_ns - 1) / steps.step_ns;
    const int64_t boundary = steps.start_ns + k * steps.step_ns;
    if (boundary > steps.end_ns) return;  // In the trailing partial step.
    const size_t at = std::lower_bound(ids.begin(), ids.end(), row.series) - ids.begin();
    SeriesBucket& b = out.buckets[group_of[at]][boundary / kNanosPerMilli];
    const int64_t value = RowValue(row, masks);
    b.sum += static_cast<double>(value);
    ++b.count;
    if (q.exemplars == ExemplarKind::kIndividual) {
      Consider(row, value, SpanSum{}, series_labels[at], b.exemplar);
    } else if (spans) {
      const SpanSum span = LargestSpan(row, masks);
      if (span.span != 0) Consider(row, span.sum, span, series_labels[at], b.exemplar);
    }
  }));
  return ctx.status();
}

}  // namespace

std::vector<SpanSum> SpanSums(const store::RowView& row,
                              const std::vector<std::vector<bool>>& masks) {
  std::vector<SpanSum> spans;
  for (size_t i = 0; i < row.spans.size() && i < row.stacks.size(); ++i) {
    if (row.spans[i] == 0) continue;
    if (!masks.empty() && (row.partition >= masks.size() || row.stacks[i] >= masks[row.partition].size() ||
                           !masks[row.partition][row.stacks[i]])) {
      continue;
    }
    spans.push_back({row.spans[i], row.values[i],
                     i < row.traces.size() ? row.traces[i] : model::TraceId{}});
  }
  // By span, the samples that name a trace first (which one is then deterministic).
  std::sort(spans.begin(), spans.end(), [](const SpanSum& a, const SpanSum& b) {
    if (a.span != b.span) return a.span < b.span;
    if (a.trace.empty() != b.trace.empty()) return !a.trace.empty();
    return a.trace < b.trace;
  });
  size_t out = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (out > 0 && spans[out - 1].span == spans[i].span) {
      spans[out - 1].sum += spans[i].sum;
    } else {
      spans[out++] = spans[i];
    }
  }
  spans.resize(out);
  return spans;
}

bool Exemplar::Beats(const Exemplar& other) const {
  if (value != other.value) return value > other.value;
  if (time_ns != other.time_ns) return time_ns < other.time_ns;
  if (span_id != other.span_id) return span_id < other.span_id;
  return labels.ToString() < other.labels.ToString();
}

void SeriesBucket::Add(const SeriesBucket& other) {
  sum += other.sum;
  count += other.count;
  if (other.exemplar.has_value() && (!exemplar.has_value() || other.exemplar->Beats(*exemplar))) {
    exemplar = other.exemplar;
  }
}

Result<std::vector<TimeSeries>> SelectSeries(const Sources& sources, const SeriesQuery& q,
                                             const QueryLimits& limits) {
  QueryContext ctx;
  return SelectSeries(sources, q, limits, ctx);
}

Result<SeriesPartial> CollectSeries(const Sources& sources, const SeriesQuery& q,
                                    const QueryLimits& limits, QueryContext& ctx) {
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range, CheckRange(q.start_ms, q.end_ms, true, limits));
  if (!(q.step_seconds > 0) || !std::isfinite(q.step_seconds)) {
    return InvalidArgumentError("step must be non-zero");
  }
  const auto step_ns = static_cast<int64_t>(std::llround(q.step_seconds * 1e9));
  if (step_ns <= 0) return InvalidArgumentError("step must be non-zero");
  // The exact request bounds in ns: boundaries are start + k*step up to end.
  const Steps steps{q.start_ms * kNanosPerMilli, q.end_ms * kNanosPerMilli, step_ns};
  FLAMEDB_ASSIGN_OR_RETURN(Selector sel, ProfileSelector(q.profile_type, q.selector));

  // Sources are read in parallel, then merged in source order.
  std::vector<SourcePart> parts(sources.size());
  FLAMEDB_RETURN_IF_ERROR(ParallelFor(sources.size(), ctx.threads(), [&](size_t i) {
    if (!Overlaps(*sources[i], range)) return OkStatus();
    return ReadSource(*sources[i], sel, q, steps, ctx, parts[i]);
  }));
  SeriesPartial groups;
  for (SourcePart& part : parts) {
    for (size_t g = 0; g < part.labels.size(); ++g) {
      SeriesGroup& group = groups[part.labels[g].ToString()];
      if (group.buckets.empty()) group.labels = part.labels[g];
      for (const auto& [t, b] : part.buckets[g]) group.buckets[t].Add(b);
    }
    part = SourcePart();
  }
  return groups;
}

void MergeSeries(SeriesPartial from, SeriesPartial& into) {
  for (auto& [key, group] : from) {
    SeriesGroup& to = into[key];
    if (to.buckets.empty()) to.labels = std::move(group.labels);
    for (const auto& [t, b] : group.buckets) to.buckets[t].Add(b);
  }
}

std::vector<TimeSeries> FinishSeries(SeriesPartial groups, const SeriesQuery& q) {
  std::vector<std::pair<double, TimeSeries>> ranked;
  for (auto& [key, group] : groups) {
    TimeSeries ts{std::move(group.labels), {}};
    double sum = 0;
    for (const auto& [t, b] : group.buckets) {
      const double v = q.average ? b.sum / static_cast<double>(b.count) : b.sum;
      ts.points.push_back({t, v, b.exemplar});
      sum += v;
    }
    if (!ts.points.empty()) ranked.emplace_back(sum, std::move(ts));
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<TimeSeries> out;
  for (auto& [sum, ts] : ranked) {
    if (q.limit > 0 && static_cast<int64_t>(out.size()) >= q.limit) break;
    out.push_back(std::move(ts));
  }
  return out;
}

Result<std::vector<TimeSeries>> SelectSeries(const Sources& sources, const SeriesQuery& q,
                                             const QueryLimits& limits, QueryContext& ctx) {
  FLAMEDB_ASSIGN_OR_RETURN(SeriesPartial partial, CollectSeries(sources, q, limits, ctx));
  return FinishSeries(std::move(partial), q);
}

}  // namespace flamedb::query
