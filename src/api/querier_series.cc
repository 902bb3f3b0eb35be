// The time-series methods of querier.v1.QuerierService: SelectSeries and SelectHeatmap, with
// their exemplars.
#include "api/querier_common.h"
#include "model/labels.h"
#include "query/heatmap.h"
#include "query/profile_id.h"
#include "query/series.h"

namespace flamedb::api::querier_internal {
namespace {

// A profile that stands for a point of `series`, with the id profile_id_selector takes. As
// Pyroscope, its labels leave out those the series has already.
void FillExemplar(const query::Exemplar& e, const model::Labels& series, tv1::Exemplar& out) {
  out.set_timestamp(e.time_ns / 1000000);
  out.set_profile_id(query::ProfileId({query::SeriesFingerprint(e.labels), e.time_ns}));
  out.set_value(static_cast<uint64_t>(std::max<int64_t>(e.value, 0)));
  if (e.span_id != 0) out.set_span_id(model::FormatSpanId(e.span_id));
  if (!e.trace_id.empty()) out.set_trace_id(model::FormatTraceId(e.trace_id));
  for (const model::LabelPair& p : e.labels.pairs()) {
    if (series.Get(p.name).has_value()) continue;
    tv1::LabelPair* pair = out.add_labels();
    pair->set_name(p.name);
    pair->set_value(p.value);
  }
}

// The heatmap's query of `req`, or why not.
Result<query::HeatmapQuery> HeatmapQueryOf(const qv1::SelectHeatmapRequest& req) {
  query::HeatmapQuery q{req.profile_typeid(), req.label_selector(), req.start(), req.end(),
                        req.step(), Strings(req.group_by()), false, false,
                        req.has_limit() ? req.limit() : 0};
  switch (req.query_type()) {
    case qv1::HEATMAP_QUERY_TYPE_INDIVIDUAL:
      break;
    case qv1::HEATMAP_QUERY_TYPE_SPAN:
      q.spans = true;
      break;
    default:
      return InvalidArgumentError(
          "query_type must be HEATMAP_QUERY_TYPE_INDIVIDUAL or HEATMAP_QUERY_TYPE_SPAN");
  }
  switch (req.exemplar_type()) {
    case tv1::EXEMPLAR_TYPE_UNSPECIFIED:
    case tv1::EXEMPLAR_TYPE_NONE:
      break;
    case tv1::EXEMPLAR_TYPE_INDIVIDUAL:
    case tv1::EXEMPLAR_TYPE_SPAN:
      if ((req.exemplar_type() == tv1::EXEMPLAR_TYPE_SPAN) != q.spans) {
        return InvalidArgumentError(
            "exemplar_type must match query_type: INDIVIDUAL exemplars for individual "
            "profiles, SPAN exemplars for spans");
      }
      q.exemplars = true;
      break;
    default:
      return InvalidArgumentError("exemplar_type " + std::to_string(req.exemplar_type()) +
                                  " is not an ExemplarType");
  }
  return q;
}

}  // namespace

Status SelectSeries(const Call& call, const qv1::SelectSeriesRequest& req,
                    qv1::SelectSeriesResponse& resp) {
  query::SeriesQuery q{req.profile_typeid(), req.label_selector(), req.start(), req.end(),
                       req.step(), Strings(req.group_by()),
                       req.has_aggregation() &&
                           req.aggregation() == tv1::TIME_SERIES_AGGREGATION_TYPE_AVERAGE,
                       req.has_limit() ? req.limit() : 0, {}};
  if (req.has_stack_trace_selector()) {
    if (req.stack_trace_selector().has_go_pgo()) {
      return InvalidArgumentError(
          "stack_trace_selector.go_pgo shapes a profile, not a series: SelectSeries takes only "
          "call_site");
    }
    q.call_site = ToStackSelector(req.stack_trace_selector()).call_site;
  }
  if (req.exemplar_type() == tv1::EXEMPLAR_TYPE_INDIVIDUAL) {
    q.exemplars = query::ExemplarKind::kIndividual;
  } else if (req.exemplar_type() == tv1::EXEMPLAR_TYPE_SPAN) {
    q.exemplars = query::ExemplarKind::kSpan;
  }
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<query::TimeSeries> series,
                           call.engine.SelectSeries(call.tenant, q, call.ctx));
  for (const query::TimeSeries& ts : series) {
    tv1::Series* out_series = resp.add_series();
    AddLabels(ts.labels, *out_series->mutable_labels());
    for (const query::Point& point : ts.points) {
      tv1::Point* pt = out_series->add_points();
      pt->set_timestamp(point.timestamp_ms);
      pt->set_value(point.value);
      if (point.exemplar.has_value()) {
        FillExemplar(*point.exemplar, ts.labels, *pt->add_exemplars());
      }
    }
  }
  return OkStatus();
}

Status SelectHeatmap(const Call& call, const qv1::SelectHeatmapRequest& req,
                     qv1::SelectHeatmapResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(const query::HeatmapQuery q, HeatmapQueryOf(req));
  FLAMEDB_ASSIGN_OR_RETURN(const query::Heatmap heatmap,
                           call.engine.SelectHeatmap(call.tenant, q, call.ctx));
  for (const query::HeatmapSeries& s : heatmap.series) {
    tv1::HeatmapSeries* out = resp.add_series();
    AddLabels(s.labels, *out->mutable_labels());
    for (const query::HeatmapSlot& slot : s.slots) {
      tv1::HeatmapSlot* o = out->add_slots();
      o->set_timestamp(slot.timestamp_ms);
      for (int64_t y : heatmap.y_min) o->add_y_min(static_cast<double>(y));
      for (int32_t c : slot.counts) o->add_counts(c);
      for (const query::Exemplar& e : slot.exemplars) FillExemplar(e, s.labels, *o->add_exemplars());
    }
  }
  return OkStatus();
}

}  // namespace flamedb::api::querier_internal
