// querier.v1.QuerierService: the table of its RPCs and their handlers (querier_common.h).
#include "api/querier_service.h"

#include "api/querier_common.h"

namespace flamedb::api {

using namespace querier_internal;  // NOLINT: the handlers.

query::QueryContext MakeQueryContext(RequestContext& ctx, const QuerierDeps& deps) {
  return query::QueryContext({.cancelled = &ctx.cancelled,
                              .deadline = ctx.deadline,
                              .clock = deps.clock,
                              .memory_budget_bytes = deps.limits.max_query_memory_bytes,
                              .threads = deps.limits.query_threads});
}

std::vector<UnaryMethod> QuerierMethods(const QuerierDeps& deps) {
  return {
      Method("ProfileTypes", deps, &ProfileTypes),
      Method("LabelValues", deps, &LabelValues),
      Method("LabelNames", deps, &LabelNames),
      Method("Series", deps, &Series),
      Method("AnalyzeQuery", deps, &AnalyzeQuery),
      Method("GetProfileStats", deps, &GetProfileStats),
      Method("SelectMergeStacktraces", deps, &SelectMergeStacktraces),
      Method("Diff", deps, &Diff),
      Method("SelectMergeProfile", deps, &SelectMergeProfile),
      Method("SelectMergeSpanProfile", deps, &SelectMergeSpanProfile),
      Method("SelectSeries", deps, &SelectSeries),
      Method("SelectHeatmap", deps, &SelectHeatmap),
  };
}

}  // namespace flamedb::api
