// The query-frontend's engine (Pyroscope v2's query-frontend): it validates each query as the
// single binary does, plans it from the block index (the tenant's blocks whose time range
// overlaps the query's, also backfilled ones), splits the blocks across the live
// query-backends and merges their partial results into the answer LocalEngine would give over
// the same blocks. Queries wait their turn in a per-tenant fair queue.
//
// A block goes to the backend first in its rendezvous order (ring/placement.h), so the same
// backend reads it every time and its caches hold it; a long range spans many blocks and so
// many backends. A backend that cannot be reached or fails (5xx) has its blocks re-sent to
// each block's next candidate, within the same query; a backend's client error (a bad
// selector, the memory budget) is the query's and is returned as the backend gave it. When the
// query's client goes away, the backend requests are aborted, which the backends see as their
// client going away.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "frontend/fair_queue.h"
#include "metastore/block_index.h"
#include "query/engine.h"
#include "ring/placement.h"

namespace flamedb::objstore {
class HttpClient;
}

namespace flamedb::frontend {

struct RemoteEngineOptions {
  query::QueryLimits limits;
  base::Duration backend_timeout = std::chrono::minutes(2);  // One backend request.
  size_t max_concurrent = 8;  // Queries running at once; the rest queue (FairQueue).
};

// Thread-safe.
class RemoteEngine final : public query::Engine {
 public:
  // The live query-backends, read at each query.
  using BackendsFn = std::function<std::vector<ring::Member>()>;
  // `index` must outlive the engine.
  RemoteEngine(const metastore::BlockIndex& index, BackendsFn backends,
               RemoteEngineOptions options, base::Logger& logger, base::MetricsRegistry& metrics);
  ~RemoteEngine() override;

  Result<std::vector<query::ProfileTypeInfo>> ProfileTypes(std::string_view tenant,
                                                           store::TimeRange range,
                                                           query::QueryContext& ctx) override;
  Result<std::vector<std::string>> LabelNames(std::string_view tenant,
                                              const std::vector<std::string>& matchers,
                                              store::TimeRange range,
                                              query::QueryContext& ctx) override;
  Result<std::vector<std::string>> LabelValues(std::string_view tenant, const std::string& name,
                                               const std::vector<std::string>& matchers,
                                               store::TimeRange range,
                                               query::QueryContext& ctx) override;
  Result<std::vector<model::Labels>> Series(std::string_view tenant,
                                            const std::vector<std::string>& matchers,
                                            const std::vector<std::string>& label_names,
                                            store::TimeRange range,
                                            query::QueryContext& ctx) override;
  Result<query::FunctionTree> MergeStacktraces(std::string_view tenant,
                                               const query::StackQuery& query,
                                               query::QueryContext& ctx) override;
  Result<std::vector<query::TimeSeries>> SelectSeries(std::string_view tenant,
                                                      const query::SeriesQuery& query,
                                                      query::QueryContext& ctx) override;
  Result<query::Heatmap> SelectHeatmap(std::string_view tenant, const query::HeatmapQuery& query,
                                      query::QueryContext& ctx) override;
  Result<std::string> MergeProfile(std::string_view tenant, const query::MergeProfileQuery& query,
                                   query::QueryContext& ctx) override;
  Result<query::QueryAnalysis> AnalyzeQuery(std::string_view tenant, const std::string& query,
                                            store::TimeRange range,
                                            query::QueryContext& ctx) override;
  Result<query::ProfileStats> GetProfileStats(std::string_view tenant,
                                              query::QueryContext& ctx) override;

  const FairQueue& queue() const { return queue_; }

 private:
  struct Request;  // A BackendRequest without its blocks (remote_engine.cc).
  struct Responses;

  // Sends `request` for the tenant's blocks that overlap `range` to their backends; the
  // backends' answers, serialized, in no particular order (none when no block overlaps).
  // Errors: kUnavailable (no backend took some block), a backend's own error, those of ctx.
  Result<Responses> FanOut(const std::vector<metastore::BlockRef>& blocks,
                           store::TimeRange range, const Request& request,
                           query::QueryContext& ctx);
  // The error the single binary gives for a stack query's profile type that none of the
  // tenant's blocks holds.
  Status CheckKnownType(const std::vector<metastore::BlockRef>& blocks,
                        const query::StackQuery& query) const;
  // Sends one backend its blocks. Errors: as FanOut; retryable ones are kUnavailable.
  Result<std::string> Call(const ring::Member& backend, const std::string& body,
                           query::QueryContext& ctx);

  const metastore::BlockIndex& index_;
  const BackendsFn backends_;
  const RemoteEngineOptions options_;
  base::Logger& logger_;
  std::unique_ptr<objstore::HttpClient> http_;
  FairQueue queue_;
  base::Counter& requests_;
  base::Counter& retries_;
};

}  // namespace flamedb::frontend
