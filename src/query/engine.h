// The query methods as the API's handlers ask for them, one tenant at a time, whatever runs
// them: LocalEngine reads the tenant's sources in this process (the single binary, a
// query-backend); the query-frontend's engine (frontend/remote_engine.h) fans the same methods
// out to query-backends and merges their partial results into the same answers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "query/analyze.h"
#include "query/context.h"
#include "query/function_tree.h"
#include "query/heatmap.h"
#include "query/pprof_merge.h"
#include "query/querier.h"
#include "query/series.h"

namespace flamedb::query {

// The sources of a tenant at one moment, kept alive by `holder` while a query runs.
struct TenantSources {
  std::shared_ptr<const void> holder;
  Sources sources;
  size_t heads = 0;  // The first `heads` sources are in-memory heads, the rest blocks.
};

// Thread-safe. Each method has the contract (and errors) of the function of the same name in
// querier.h, series.h, heatmap.h, pprof_merge.h and analyze.h, over the tenant's data; an
// engine that reads remote parts adds kUnavailable when none of the processes holding a part answers.
class Engine {
 public:
  virtual ~Engine() = default;

  virtual Result<std::vector<ProfileTypeInfo>> ProfileTypes(std::string_view tenant,
                                                            store::TimeRange range,
                                                            QueryContext& ctx) = 0;
  virtual Result<std::vector<std::string>> LabelNames(std::string_view tenant,
                                                      const std::vector<std::string>& matchers,
                                                      store::TimeRange range,
                                                      QueryContext& ctx) = 0;
  virtual Result<std::vector<std::string>> LabelValues(std::string_view tenant,
                                                       const std::string& name,
                                                       const std::vector<std::string>& matchers,
                                                       store::TimeRange range,
                                                       QueryContext& ctx) = 0;
  virtual Result<std::vector<model::Labels>> Series(std::string_view tenant,
                                                    const std::vector<std::string>& matchers,
                                                    const std::vector<std::string>& label_names,
                                                    store::TimeRange range, QueryContext& ctx) = 0;
  virtual Result<FunctionTree> MergeStacktraces(std::string_view tenant, const StackQuery& query,
                                                QueryContext& ctx) = 0;
  virtual Result<std::vector<TimeSeries>> SelectSeries(std::string_view tenant,
                                                       const SeriesQuery& query,
                                                       QueryContext& ctx) = 0;
  virtual Result<Heatmap> SelectHeatmap(std::string_view tenant, const HeatmapQuery& query,
                                        QueryContext& ctx) = 0;
  virtual Result<std::string> MergeProfile(std::string_view tenant,
                                           const MergeProfileQuery& query, QueryContext& ctx) = 0;
  virtual Result<QueryAnalysis> AnalyzeQuery(std::string_view tenant, const std::string& query,
                                             store::TimeRange range, QueryContext& ctx) = 0;
  virtual Result<ProfileStats> GetProfileStats(std::string_view tenant, QueryContext& ctx) = 0;
};

// Runs every method in this process over `sources(tenant)`.
class LocalEngine final : public Engine {
 public:
  using SourcesFn = std::function<TenantSources(std::string_view tenant)>;
  LocalEngine(SourcesFn sources, QueryLimits limits)
      : sources_(std::move(sources)), limits_(limits) {}

  Result<std::vector<ProfileTypeInfo>> ProfileTypes(std::string_view tenant,
                                                    store::TimeRange range,
                                                    QueryContext& ctx) override;
  Result<std::vector<std::string>> LabelNames(std::string_view tenant,
                                              const std::vector<std::string>& matchers,
                                              store::TimeRange range, QueryContext& ctx) override;
  Result<std::vector<std::string>> LabelValues(std::string_view tenant, const std::string& name,
                                               const std::vector<std::string>& matchers,
                                               store::TimeRange range,
                                               QueryContext& ctx) override;
  Result<std::vector<model::Labels>> Series(std::string_view tenant,
                                            const std::vector<std::string>& matchers,
                                            const std::vector<std::string>& label_names,
                                            store::TimeRange range, QueryContext& ctx) override;
  Result<FunctionTree> MergeStacktraces(std::string_view tenant, const StackQuery& query,
                                        QueryContext& ctx) override;
  Result<std::vector<TimeSeries>> SelectSeries(std::string_view tenant, const SeriesQuery& query,
                                               QueryContext& ctx) override;
  Result<Heatmap> SelectHeatmap(std::string_view tenant, const HeatmapQuery& query,
                                QueryContext& ctx) override;
  Result<std::string> MergeProfile(std::string_view tenant, const MergeProfileQuery& query,
                                   QueryContext& ctx) override;
  Result<QueryAnalysis> AnalyzeQuery(std::string_view tenant, const std::string& query,
                                     store::TimeRange range, QueryContext& ctx) override;
  Result<ProfileStats> GetProfileStats(std::string_view tenant, QueryContext& ctx) override;

 private:
  const SourcesFn sources_;
  const QueryLimits limits_;
};

}  // namespace flamedb::query
