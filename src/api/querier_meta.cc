// The metadata methods of querier.v1.QuerierService: profile types, labels, series, the
// analysis of a query and the tenant's stats.
#include "api/querier_common.h"
#include "query/analyze.h"

namespace flamedb::api::querier_internal {
namespace {

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

Status ProfileTypes(const Call& call, const qv1::ProfileTypesRequest& req,
                    qv1::ProfileTypesResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(req.start(), req.end(), false, call.limits));
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<query::ProfileTypeInfo> types,
                           call.engine.ProfileTypes(call.tenant, range, call.ctx));
  for (const query::ProfileTypeInfo& t : types) FillProfileType(t, *resp.add_profile_types());
  return OkStatus();
}

Status LabelValues(const Call& call, const tv1::LabelValuesRequest& req,
                   tv1::LabelValuesResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(req.start(), req.end(), false, call.limits));
  FLAMEDB_ASSIGN_OR_RETURN(
      std::vector<std::string> values,
      call.engine.LabelValues(call.tenant, req.name(), Strings(req.matchers()), range, call.ctx));
  for (std::string& v : values) resp.add_names(std::move(v));
  return OkStatus();
}

Status LabelNames(const Call& call, const tv1::LabelNamesRequest& req,
                  tv1::LabelNamesResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(req.start(), req.end(), false, call.limits));
  FLAMEDB_ASSIGN_OR_RETURN(
      std::vector<std::string> names,
      call.engine.LabelNames(call.tenant, Strings(req.matchers()), range, call.ctx));
  for (std::string& n : names) resp.add_names(std::move(n));
  return OkStatus();
}

Status Series(const Call& call, const qv1::SeriesRequest& req, qv1::SeriesResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(req.start(), req.end(), false, call.limits));
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<model::Labels> sets,
                           call.engine.Series(call.tenant, Strings(req.matchers()),
                                              Strings(req.label_names()), range, call.ctx));
  for (const model::Labels& l : sets) AddLabels(l, *resp.add_labels_set()->mutable_labels());
  return OkStatus();
}

Status AnalyzeQuery(const Call& call, const qv1::AnalyzeQueryRequest& req,
                    qv1::AnalyzeQueryResponse& resp) {
  // Without a time range Pyroscope answers an empty response (spec §4.12).
  if (req.start() == 0 || req.end() == 0) return OkStatus();
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(req.start(), req.end(), true, call.limits));
  FLAMEDB_ASSIGN_OR_RETURN(query::QueryAnalysis a,
                           call.engine.AnalyzeQuery(call.tenant, req.query(), range, call.ctx));
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
}

Status GetProfileStats(const Call& call, const tv1::GetProfileStatsRequest& /*req*/,
                       tv1::GetProfileStatsResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(const query::ProfileStats stats,
                           call.engine.GetProfileStats(call.tenant, call.ctx));
  resp.set_data_ingested(stats.data_ingested);
  resp.set_oldest_profile_time(stats.oldest_ms);
  resp.set_newest_profile_time(stats.newest_ms);
  return OkStatus();
}

}  // namespace flamedb::api::querier_internal
