// The running server process: configuration, modules, routes and the HTTP server, wired
// together. main() parses flags and signals; everything else starts and stops here.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "adhoc/adhoc.h"
#include "api/router.h"
#include "base/cpu_demand.h"
#include "base/flags.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "block/symbol_cache.h"
#include "distributor/distributor.h"
#include "etcd/client.h"
#include "compactor/compactor.h"
#include "ingester/ingester.h"
#include "ingester/writer_client.h"
#include "ingester/writer_sink.h"
#include "metastore/embedded_index.h"
#include "metastore/etcd_index.h"
#include "objstore/bucket.h"
#include "frontend/backend.h"
#include "querier/querier.h"
#include "query/engine.h"
#include "ring/leader.h"
#include "ring/membership.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/modules.h"
#include "settings/store.h"

namespace flamedb::server {

// Owns every long-lived object of the process. Shutdown order (Shutdown): mark modules
// stopping (/ready turns 503), drain the HTTP server (stop accepting, finish in-flight
// requests), then stop modules. Not thread-safe: Start and Shutdown run on the main thread.
class App {
 public:
  // Starts the modules named by config.Targets() and the HTTP server.
  // Errors: kInvalidArgument (bad config), kUnavailable (port taken), kFailedPrecondition
  // (data directory not usable).
  static Result<std::unique_ptr<App>> Start(const Config& config, const base::FlagSet& flags,
                                            base::Logger& logger, const base::Clock& clock);
  ~App();

  uint16_t port() const { return http_->port(); }

  // Graceful shutdown within `timeout`; returns how many connections had to be cut.
  int Shutdown(base::Duration timeout);

 private:
  App(const Config& config, base::Logger& logger, const base::Clock& clock);
  Status PrepareDataDir();
  // The bucket, the block index, the compactor (when -target names it), the ingester (which
  // replays its WAL) and the querier.
  Status StartStorage();
  // Cluster mode (app_cluster.cc): etcd, the bucket, the block index on etcd, and the
  // components -target names.
  Status StartCluster();
  // Registers this process as a member (once the HTTP server listens) and starts the loop that
  // refreshes the index and campaigns for the compaction leadership.
  Status JoinCluster();
  void ClusterLoop(std::stop_token stop);
  void AddClusterRoutes(api::Router& router, uint64_t max_body);
  // The engine of the query API: a cluster's query-frontend fans out to the query-backends;
  // any other process runs queries itself.
  std::unique_ptr<query::Engine> MakeEngine(const query::QueryLimits& limits);
  compactor::CompactorOptions MakeCompactorOptions() const;
  api::Router BuildRouter(const base::FlagSet& flags);
  Status StartRuntimeConfig();
  void ReloadLoop(std::stop_token stop);

  const Config config_;
  base::Logger& logger_;
  const base::Clock& clock_;
  base::MetricsRegistry metrics_;
  ModuleManager modules_;
  std::unique_ptr<distributor::Overrides> overrides_;
  // Each before the ones that use it.
  std::unique_ptr<objstore::Bucket> bucket_;
  std::unique_ptr<block::SymbolCache> symbol_cache_;  // For the index's block readers.
  std::unique_ptr<settings::Store> settings_;      // Tenant settings in bucket_.
  std::unique_ptr<adhoc::Store> adhoc_;            // Ad-hoc profiles in bucket_ (query targets).
  std::unique_ptr<etcd::Client> etcd_;               // Cluster mode only.
  std::unique_ptr<metastore::BlockIndex> index_;     // Null in a cluster's distributor.
  metastore::EtcdIndex* etcd_index_ = nullptr;       // index_ in cluster mode.
  std::unique_ptr<compactor::Compactor> compactor_;  // Null unless -target runs it.
  base::CpuDemand cpu_demand_;  // The HTTP server's requests; the ingester's cuts give way.
  std::unique_ptr<ingester::Ingester> ingester_;
  std::unique_ptr<querier::Querier> querier_;
  std::unique_ptr<query::Engine> engine_;  // What the query API runs on; null without one.
  std::unique_ptr<frontend::Backend> query_backend_;  // A cluster's query-backend.
  std::unique_ptr<ingester::WriterClient> writer_client_;  // A cluster's distributor's sink.
  std::unique_ptr<distributor::Distributor> distributor_;
  // A cluster's segment-writer: its sink, and the push pipeline it runs on the requests the
  // distributors forward undecoded (distributor/forwarder.h).
  std::unique_ptr<ingester::WriterSink> writer_sink_;
  std::unique_ptr<distributor::Distributor> writer_distributor_;
  std::unique_ptr<ring::LeaderElection> compaction_leader_;  // A cluster's compaction-worker.
  bool compacting_ = false;  // This process applies retention (only the cluster loop changes it).
  std::atomic<int64_t> membership_lease_{0};  // For compaction job claims; 0 before joining.
  std::unique_ptr<api::Dispatcher> dispatcher_;
  // Wakes the reload thread for shutdown. A plain std::mutex: condition_variable_any with a
  // stop_token needs the standard lock interface.
  std::mutex reload_mu_;
  std::condition_variable_any reload_cv_;
  std::jthread reload_thread_;  // Declared last: joined first on destruction.
  std::unique_ptr<HttpServer> http_;
  // After the server: leaves the cluster first at shutdown, so distributors stop sending here.
  std::unique_ptr<ring::Membership> membership_;
  std::jthread cluster_loop_;
  bool stopped_ = false;
};

}  // namespace flamedb::server
