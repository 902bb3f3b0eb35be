#include "query/engine.h"

namespace flamedb::query {

Result<std::vector<ProfileTypeInfo>> LocalEngine::ProfileTypes(std::string_view tenant,
                                                               store::TimeRange range,
                                                               QueryContext&) {
  return query::ProfileTypes(sources_(tenant).sources, range);
}

Result<std::vector<std::string>> LocalEngine::LabelNames(std::string_view tenant,
                                                         const std::vector<std::string>& matchers,
                                                         store::TimeRange range, QueryContext&) {
  return query::LabelNames(sources_(tenant).sources, matchers, range);
}

Result<std::vector<std::string>> LocalEngine::LabelValues(
    std::string_view tenant, const std::string& name, const std::vector<std::string>& matchers,
    store::TimeRange range, QueryContext&) {
  return query::LabelValues(sources_(tenant).sources, name, matchers, range);
}

Result<std::vector<model::Labels>> LocalEngine::Series(
    std::string_view tenant, const std::vector<std::string>& matchers,
    const std::vector<std::string>& label_names, store::TimeRange range, QueryContext&) {
  return query::Series(sources_(tenant).sources, matchers, label_names, range);
}

Result<FunctionTree> LocalEngine::MergeStacktraces(std::string_view tenant,
                                                   const StackQuery& query, QueryContext& ctx) {
  return query::MergeStacktraces(sources_(tenant).sources, query, ctx);
}

Result<std::vector<TimeSeries>> LocalEngine::SelectSeries(std::string_view tenant,
                                                          const SeriesQuery& query,
                                                          QueryContext& ctx) {
  return query::SelectSeries(sources_(tenant).sources, query, limits_, ctx);
}

Result<Heatmap> LocalEngine::SelectHeatmap(std::string_view tenant, const HeatmapQuery& query,
                                           QueryContext& ctx) {
  FLAMEDB_ASSIGN_OR_RETURN(HeatmapPartial partial,
                           CollectHeatmap(sources_(tenant).sources, query, limits_, ctx));
  return FinishHeatmap(std::move(partial), query);
}

Result<std::string> LocalEngine::MergeProfile(std::string_view tenant,
                                              const MergeProfileQuery& query, QueryContext& ctx) {
  return query::MergeProfile(sources_(tenant).sources, query, ctx);
}

Result<QueryAnalysis> LocalEngine::AnalyzeQuery(std::string_view tenant, const std::string& query,
                                                store::TimeRange range, QueryContext& ctx) {
  const TenantSources t = sources_(tenant);
  return query::AnalyzeQuery(t.sources, t.heads, query, range, ctx);
}

Result<ProfileStats> LocalEngine::GetProfileStats(std::string_view tenant, QueryContext&) {
  return query::GetProfileStats(sources_(tenant).sources);
}

}  // namespace flamedb::query
