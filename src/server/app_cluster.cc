// Cluster mode of App (design §2, docs/deployment.md): the process is a member of a cluster
// whose shared state is in etcd, and runs the components -target names.
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/ingest_routes.h"
#include "base/periodic.h"
#include "frontend/remote_engine.h"
#include "ingester/record.h"
#include "ring/placement.h"
#include "server/app.h"

namespace flamedb::server {

namespace {
constexpr std::string_view kCompactionRole = "leader/compaction";
// Rounds of the cluster loop (-cluster.index-refresh each) between whole reads of the index.
constexpr int kFullReadRounds = 30;
}  // namespace

Status App::StartCluster() {
  const Config& config = config_;
  const ClusterConfig& cc = config.cluster;
  const std::vector<std::string> targets = config.Targets();
  if (cc.instance_id.empty() && config.http_listen_port == 0) {
    return InvalidArgumentError("cluster mode with -server.http-listen-port=0 needs "
                                "-cluster.instance-id (the default id is <hostname>-<port>)");
  }
  FLAMEDB_ASSIGN_OR_RETURN(etcd_, etcd::Client::Connect({.endpoints = cc.Endpoints(),
                                                         .dial_timeout = cc.etcd_dial_timeout,
                                                         .request_timeout = cc.etcd_request_timeout}));
  logger_.Info("etcd connected", "endpoints", cc.etcd_endpoints, "prefix", cc.etcd_prefix);
  FLAMEDB_ASSIGN_OR_RETURN(bucket_, objstore::OpenBucket(config.storage, &metrics_));
  logger_.Info("bucket opened", "bucket", bucket_->Describe());
  symbol_cache_ = std::make_unique<block::SymbolCache>(
      static_cast<uint64_t>(std::max<int64_t>(config.querier_symbols_cache_bytes, 0)), &metrics_);
  const bool only_distributor = targets == std::vector<std::string>{std::string(kDistributor)};
  if (!only_distributor) {
    FLAMEDB_ASSIGN_OR_RETURN(
        std::unique_ptr<metastore::EtcdIndex> index,
        metastore::EtcdIndex::Open(
            *etcd_, *bucket_,
            {.prefix = cc.etcd_prefix,
             .symbol_cache = symbol_cache_.get(),
             .owner = cc.InstanceId(static_cast<int>(config.http_listen_port)),
             // Compaction jobs live under the membership's lease (JoinCluster sets it).
             .lease = [this] { return membership_lease_.load(); },
             // Only the query path reads blocks' rows.
             .open_blocks = HasTarget(targets, kQueryFrontend) ||
                            HasTarget(targets, kQueryBackend)},
            logger_, metrics_));
    index->StartWatching();  // Changes of other processes show within milliseconds.
    etcd_index_ = index.get();
    index_ = std::move(index);
  }
  const std::string id = cc.InstanceId(static_cast<int>(config.http_listen_port));
  if (HasTarget(targets, kCompactionWorker)) {
    compactor::CompactorOptions options = MakeCompactorOptions();
    // Segments are short: a window is merged once it ended and its last segments are in.
    options.plan.settle = std::max<base::Duration>(cc.segment_duration * 4, std::chrono::seconds(2));
    // Segments come every segment duration: merged in groups long before a window ends.
    options.plan.max_window_blocks = 32;
    options.delete_delay = cc.compactor_delete_delay;
    // At least a minute: a writer adds its segment to the index right after the PUT.
    options.segment_sweep_delay =
        std::max<base::Duration>(cc.compactor_delete_delay, std::chrono::minutes(1));
    compactor_ = std::make_unique<compactor::Compactor>(options, *bucket_, *index_, clock_,
                                                        logger_, metrics_);
    compaction_leader_ = std::make_unique<ring::LeaderElection>(
        *etcd_, cc.etcd_prefix + std::string(kCompactionRole), id, cc.member_ttl, logger_);
  }
  if (HasTarget(targets, kSegmentWriter)) {
    const bool bucket_ack = cc.ack == "bucket";
    FLAMEDB_ASSIGN_OR_RETURN(
        ingester_,
        ingester::Ingester::Open(
            {.source = id,
             .wal_dir = config.WalDir(),
             // In bucket mode the bucket is what makes a push durable; the WAL only saves a
             // restart on the same volume from refetching nothing (it has nothing to refetch).
             .wal_sync = bucket_ack || config.ingester_wal_sync == "none"
                             ? wal::SyncPolicy::kNone
                             : wal::SyncPolicy::kAlways,
             .max_block_duration = cc.segment_duration,
             .max_head_bytes = static_cast<uint64_t>(config.ingester_max_block_bytes),
             .cut_check_interval =
                 std::max<base::Duration>(cc.segment_duration / 5, std::chrono::milliseconds(5)),
             .disk_paths = {config.WalDir(), config.DataPath()},
             .min_free_disk_bytes = static_cast<uint64_t>(config.storage_min_free_disk_mb) << 20,
             .symbol_cache = symbol_cache_.get(),
             .staging_dir = "",  // A segment goes to the bucket at its cut.
             // Segments are small and pushes wait for them (bucket mode): cuts never give way.
             .demand = nullptr,
             .max_upload_wait = bucket_ack ? cc.max_upload_wait : base::Duration::zero(),
             .segment_objects = true,
             // At most a quarter of the head bytes that force a cut.
             .carry_symbols_bytes = std::min<uint64_t>(
                 static_cast<uint64_t>(cc.carry_symbols_mb) << 20,
                 static_cast<uint64_t>(config.ingester_max_block_bytes) / 4)},
            *bucket_, *index_, *overrides_, clock_, logger_, metrics_));
    writer_sink_ = std::make_unique<ingester::WriterSink>(*ingester_, bucket_ack,
                                                          cc.distributor_writer_timeout);
    writer_distributor_ = std::make_unique<distributor::Distributor>(
        *writer_sink_, *overrides_, clock_, logger_, metrics_);
  }
  if (HasTarget(targets, kQueryFrontend) || HasTarget(targets, kQueryBackend)) {
    querier_ = std::make_unique<querier::Querier>(*index_, nullptr);
  }
  return OkStatus();
}

Status App::JoinCluster() {
  const ClusterConfig& cc = config_.cluster;
  const int port = static_cast<int>(http_->port());
  ring::Member self{.id = cc.InstanceId(static_cast<int>(config_.http_listen_port)),
                    .addr = cc.AdvertiseAddr(port),
                    .targets = config_.Targets(),
                    .started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                           clock_.Now().time_since_epoch())
                                           .count()};
  FLAMEDB_ASSIGN_OR_RETURN(
      membership_, ring::Membership::Start(*etcd_, self,
                                           {.prefix = cc.etcd_prefix,
                                            .ttl = cc.member_ttl,
                                            .refresh = cc.index_refresh},
                                           logger_));
  logger_.Info("joined the cluster", "id", self.id, "addr", self.addr, "members",
               membership_->Members().size());
  if (writer_client_ != nullptr) writer_client_->Bind(*membership_);
  membership_lease_ = membership_->lease();
  // Every compaction-worker merges, each planned merge under a job claim; retention is the
  // leader's (ClusterLoop).
  if (compactor_ != nullptr) compactor_->StartCompaction();
  cluster_loop_ = std::jthread([this](std::stop_token stop) { ClusterLoop(stop); });
  return OkStatus();
}

void App::ClusterLoop(std::stop_token stop) {
  int round = 0;
  base::RunEvery(stop, config_.cluster.index_refresh, [this, &round] {
    // The watch keeps the index current; a whole read now and then is a safety net (a block
    // that could not be opened when its change came is retried).
    if (etcd_index_ != nullptr && ++round % kFullReadRounds == 0) {
      if (Result<size_t> r = etcd_index_->Refresh(); !r.ok()) {
        logger_.Warn("cannot read the block index from etcd; using the last copy", "err",
                     r.status());
      }
    }
    if (membership_ != nullptr) membership_lease_ = membership_->lease();
    if (compaction_leader_ == nullptr) return;
    Result<bool> leading = compaction_leader_->Step();
    if (!leading.ok()) {
      logger_.Warn("compaction leadership step failed", "err", leading.status());
      leading = false;  // Unsure: stop, so that two processes never merge at once.
    }
    if (*leading && !compacting_) {
      compactor_->StartRetention();
      compacting_ = true;
    } else if (!*leading && compacting_) {
      compactor_->StopRetention();
      compacting_ = false;
    }
  });
}

std::unique_ptr<query::Engine> App::MakeEngine(const query::QueryLimits& limits) {
  if (config_.cluster.enabled() && HasTarget(config_.Targets(), kQueryFrontend)) {
    const ClusterConfig& cc = config_.cluster;
    return std::make_unique<frontend::RemoteEngine>(
        *index_,
        [this] {
          return membership_ != nullptr ? membership_->Members(kQueryBackend)
                                        : std::vector<ring::Member>();
        },
        frontend::RemoteEngineOptions{
            .limits = limits,
            .backend_timeout = cc.frontend_backend_timeout,
            .max_concurrent = static_cast<size_t>(cc.frontend_max_concurrent)},
        logger_, metrics_);
  }
  return std::make_unique<query::LocalEngine>(
      [querier = querier_.get()](std::string_view tenant) {
        auto snapshot = std::make_shared<querier::TenantSnapshot>(querier->Snapshot(tenant));
        query::TenantSources out{nullptr, snapshot->Sources(), snapshot->heads.size()};
        out.holder = std::move(snapshot);
        return out;
      },
      limits);
}

void App::AddClusterRoutes(api::Router& router, uint64_t max_body) {
  if (HasTarget(config_.Targets(), kQueryBackend)) {
    query_backend_ = std::make_unique<frontend::Backend>(*bucket_, symbol_cache_.get());
    frontend::AddBackendRoute(router, *query_backend_,
                              {.clock = &clock_,
                               .memory_budget_bytes = config_.querier_max_query_memory,
                               .threads = config_.QueryThreads(),
                               .max_body_bytes = max_body});
  }
  if (writer_sink_ != nullptr) {
    // Pushes the distributor decoded (OTLP): their WAL records, as encoded there.
    router.Add({"POST"}, std::string(ingester::kWriterPushPath), {.max_body_bytes = max_body},
               [this](api::HttpRequest& req, api::RequestContext&) {
                 Result<ingester::PushRecord> record = ingester::DecodeRecord(req.body);
                 if (!record.ok()) {
                   return api::ErrorResponse(InvalidArgumentError(
                       "segment-writer: the push record does not decode: " +
                       std::string(record.status().message())));
                 }
                 const Status s =
                     writer_sink_->AppendEncoded(record->tenant, std::move(record->series), req.body);
                 return s.ok() ? api::HttpResponse{} : api::ErrorResponse(s);
               });
    // Pushes forwarded undecoded (/ingest and Push): the writer runs the push pipeline.
    api::AddWriterIngestRoutes(router, {.distributor = writer_distributor_.get(),
                                        .overrides = overrides_.get(),
                                        .debug_ingested = nullptr,
                                        .clock = &clock_,
                                        .max_body_bytes = max_body});
  }
  router.Add({"GET"}, "/ring", {}, [this](api::HttpRequest&, api::RequestContext&) {
    nlohmann::json out = nlohmann::json::object();
    std::vector<ring::Member> members;
    if (membership_ != nullptr) {
      (void)membership_->Refresh();  // A status page shows now, not the last loop's read.
      members = membership_->Members();
    }
    out["self"] = config_.cluster.InstanceId(static_cast<int>(config_.http_listen_port));
    out["members"] = nlohmann::json::array();
    for (const ring::Member& m : members) {
      out["members"].push_back(
          {{"id", m.id}, {"addr", m.addr}, {"targets", m.targets}, {"started_unix_ms", m.started_unix_ms}});
    }
    std::vector<ring::Member> writers;
    for (const ring::Member& m : members) {
      if (m.Has(kSegmentWriter)) writers.push_back(m);
    }
    nlohmann::json owned = nlohmann::json::object();
    for (const std::string& owner :
         ring::Owners(static_cast<uint32_t>(config_.cluster.shards), writers)) {
      owned[owner] = owned.value(owner, 0) + 1;
    }
    out["shards"] = config_.cluster.shards;
    out["shards_by_writer"] = owned;
    std::string leader;
    if (compaction_leader_ != nullptr) {
      leader = compaction_leader_->leader();
    } else if (auto kv = etcd_->Get(config_.cluster.etcd_prefix + std::string(kCompactionRole));
               kv.ok() && kv->has_value()) {
      leader = (*kv)->value;
    }
    out["compaction_leader"] = leader;
    out["index_blocks"] = etcd_index_ != nullptr ? etcd_index_->size() : 0;
    out["compaction_jobs"] = nlohmann::json::array();  // Merges running now, and who runs them.
    if (etcd_index_ != nullptr) {
      if (auto jobs = etcd_index_->Jobs(); jobs.ok()) {
        for (const auto& [job, owner] : *jobs) {
          out["compaction_jobs"].push_back({{"job", job}, {"owner", owner}});
        }
      }
    }
    api::HttpResponse resp;
    resp.headers.Set("Content-Type", "application/json");
    resp.body = out.dump(2);
    return resp;
  });
}

}  // namespace flamedb::server
