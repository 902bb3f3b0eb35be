#include "api/querier_service.h"

#include "api/querier_common.h"

#include "google/v1/profile.pb.h"
#include "query/analyze.h"
#include "query/flamegraph.h"
#include "query/flamegraph_diff.h"
#include "query/pprof_merge.h"
#include "query/series.h"
#include "querier/v1/querier.pb.h"
#include "types/v1/types.pb.h"

namespace flamedb::api {
namespace {

using namespace querier_internal;  // NOLINT: the handlers' shared helpers.

// A profile that stands for a point of `series`, with the id profile_id_selector takes. As
// Pyroscope, its labels leave out those the series has already.
void FillExemplar(const query::Exemplar& e, const model::Labels& series, tv1::Exemplar& out) {
  out.set_timestamp(e.time_ns / 1000000);
  out.set_profile_id(query::ProfileId({query::SeriesFingerprint(e.labels), e.time_ns}));
  out.set_value(static_cast<uint64_t>(std::max<int64_t>(e.value, 0)));
  if (e.span_id != 0) out.set_span_id(model::FormatSpanId(e.span_id));
  for (const model::LabelPair& p : e.labels.pairs()) {
    if (series.Get(p.name).has_value()) continue;
    tv1::LabelPair* pair = out.add_labels();
    pair->set_name(p.name);
    pair->set_value(p.value);
  }
}

void FillScope(const std::string& kind, const query::ScopeStats& s, qv1::QueryScope& out) {
  out.set_component_type(kind);
  out.set_component_count(s.components);
  out.set_block_count(kind == "Long term storage" ? s.components : 0);
  out.set_series_count(s.series);
  out.set_profile_count(s.profiles);
  out.set_sample_count(s.samples);
  out.set_index_bytes(s.index_bytes);
  out.set_profile_bytes(s.profile_bytes);
  out.set_symbol_bytes(s.symbol_bytes);
}

}  // namespace

query::QueryContext MakeQueryContext(RequestContext& ctx, const QuerierDeps& deps) {
  return query::QueryContext({.cancelled = &ctx.cancelled,
                              .deadline = ctx.deadline,
                              .clock = deps.clock,
                              .memory_budget_bytes = deps.limits.max_query_memory_bytes,
                              .threads = deps.limits.query_threads});
}

std::vector<UnaryMethod> QuerierMethods(const QuerierDeps& deps) {
  const query::QueryLimits limits = deps.limits;
  std::vector<UnaryMethod> out;
  out.push_back(Method<qv1::ProfileTypesRequest, qv1::ProfileTypesResponse>(
      "ProfileTypes", deps, [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<query::ProfileTypeInfo> types,
                                 e.ProfileTypes(tenant, range, qctx));
        for (const query::ProfileTypeInfo& t : types) {
          tv1::ProfileType* p = resp.add_profile_types();
          p->set_id(t.id);
          p->set_name(t.name);
          p->set_sample_type(t.sample_type);
          p->set_sample_unit(t.sample_unit);
          p->set_period_type(t.period_type);
          p->set_period_unit(t.period_unit);
        }
        return OkStatus();
      }));
  out.push_back(Method<tv1::LabelValuesRequest, tv1::LabelValuesResponse>(
      "LabelValues", deps, [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<std::string> values,
                                 e.LabelValues(tenant, req.name(), Strings(req.matchers()), range, qctx));
        for (std::string& v : values) resp.add_names(std::move(v));
        return OkStatus();
      }));
  out.push_back(Method<tv1::LabelNamesRequest, tv1::LabelNamesResponse>(
      "LabelNames", deps, [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<std::string> names,
                                 e.LabelNames(tenant, Strings(req.matchers()), range, qctx));
        for (std::string& n : names) resp.add_names(std::move(n));
        return OkStatus();
      }));
  out.push_back(Method<qv1::SeriesRequest, qv1::SeriesResponse>(
      "Series", deps, [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(
            std::vector<model::Labels> sets,
            e.Series(tenant, Strings(req.matchers()), Strings(req.label_names()), range, qctx));
        for (const model::Labels& l : sets) {
          AddLabels(l, *resp.add_labels_set()->mutable_labels());
        }
        return OkStatus();
      }));
  out.push_back(Method<qv1::AnalyzeQueryRequest, qv1::AnalyzeQueryResponse>(
      "AnalyzeQuery", deps,
      [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        // Without a time range Pyroscope answers an empty response (spec §4.12).
        if (req.start() == 0 || req.end() == 0) return OkStatus();
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), true, limits));
        FLAMEDB_ASSIGN_OR_RETURN(
            query::QueryAnalysis a,
            e.AnalyzeQuery(tenant, req.query(), range, qctx));
        FillScope("Short term storage", a.heads, *resp.add_query_scopes());
        FillScope("Long term storage", a.blocks, *resp.add_query_scopes());
        resp.mutable_query_impact()->set_total_queried_series(a.heads.series + a.blocks.series);
        uint64_t bytes = 0;
        for (const query::ScopeStats* s : {&a.heads, &a.blocks}) {
          bytes += s->index_bytes + s->profile_bytes + s->symbol_bytes;
        }
        resp.mutable_query_impact()->set_total_bytes_in_time_range(bytes);
        resp.mutable_query_impact()->set_deduplication_needed(false);
        return OkStatus();
      }));
  out.push_back(Method<tv1::GetProfileStatsRequest, tv1::GetProfileStatsResponse>(
      "GetProfileStats", deps, [](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto&, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(const query::ProfileStats stats, e.GetProfileStats(tenant, qctx));
        resp.set_data_ingested(stats.data_ingested);
        resp.set_oldest_profile_time(stats.oldest_ms);
        resp.set_newest_profile_time(stats.newest_ms);
        return OkStatus();
      }));
  AddStackMethods(deps, out);
  out.push_back(Method<qv1::SelectSeriesRequest, qv1::SelectSeriesResponse>(
      "SelectSeries", deps, [](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {

        query::SeriesQuery q{req.profile_typeid(), req.label_selector(), req.start(), req.end(),
                             req.step(), Strings(req.group_by()),
                             req.has_aggregation() &&
                                 req.aggregation() == tv1::TIME_SERIES_AGGREGATION_TYPE_AVERAGE,
                             req.has_limit() ? req.limit() : 0, {}};
        if (req.has_stack_trace_selector()) {
          q.call_site = ToStackSelector(req.stack_trace_selector()).call_site;
        }
        if (req.exemplar_type() == tv1::EXEMPLAR_TYPE_INDIVIDUAL) {
          q.exemplars = query::ExemplarKind::kIndividual;
        } else if (req.exemplar_type() == tv1::EXEMPLAR_TYPE_SPAN) {
          q.exemplars = query::ExemplarKind::kSpan;
        }
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<query::TimeSeries> series,
                                 e.SelectSeries(tenant, q, qctx));
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
      }));
  return out;
}

}  // namespace flamedb::api
