#include "server/app.h"

#include <algorithm>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api/admin_routes.h"
#include "api/connect.h"
#include "api/ingest_routes.h"
#include "api/querier_service.h"
#include "api/render_routes.h"
#include "api/ui_routes.h"
#include "api/adhoc_service.h"
#include "api/settings_service.h"
#include "api/services.h"
#include "api/status_routes.h"
#include "base/build_info.h"

namespace flamedb::server {

namespace {
constexpr std::string_view kServerModule = "server";
}  // namespace

App::App(const Config& config, base::Logger& logger, const base::Clock& clock)
    : config_(config), logger_(logger), clock_(clock) {}

App::~App() { Shutdown(base::Duration(0)); }

Status App::PrepareDataDir() {
  namespace fs = std::filesystem;
  const fs::path dir(config_.DataPath());
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return FailedPreconditionError("cannot create data directory " + dir.string() + ": " +
                                   ec.message());
  }
  // Fail at start, not at the first write, when the directory is not writable.
  const fs::path probe = dir / ".flamedb-write-check";
  if (!std::ofstream(probe).good()) {
    return FailedPreconditionError("data directory " + dir.string() + " is not writable");
  }
  fs::remove(probe, ec);
  // The compactor's scratch files: any here are merges a crash interrupted.
  const fs::path scratch(config_.CompactorDir());
  fs::create_directories(scratch, ec);
  if (ec) {
    return FailedPreconditionError("cannot create compactor directory " + scratch.string() +
                                   ": " + ec.message());
  }
  for (const auto& entry : fs::directory_iterator(scratch, ec)) {
    if (entry.path().filename().string().starts_with(".flamedb-tmp-compact-")) {
      fs::remove(entry.path(), ec);
    }
  }
  return OkStatus();
}

compactor::CompactorOptions App::MakeCompactorOptions() const {
  return {.compaction_interval = config_.compactor_compaction_interval,
          .plan = {.ranges = *config_.CompactorRanges(),  // Validated.
                   .settle = config_.ingester_max_block_duration,
                   .max_output_bytes = static_cast<uint64_t>(config_.compactor_max_block_bytes)},
          .scratch_dir = config_.CompactorDir(),
          .retention = [overrides = overrides_.get()](std::string_view tenant) {
            return overrides->For(tenant)->retention_period;
          },
          .symbol_cache = symbol_cache_.get()};
}

Status App::StartStorage() {
  const Config& config = config_;
  FLAMEDB_ASSIGN_OR_RETURN(bucket_, objstore::OpenBucket(config.storage, &metrics_));
  logger_.Info("bucket opened", "bucket", bucket_->Describe());
  symbol_cache_ = std::make_unique<block::SymbolCache>(
      static_cast<uint64_t>(std::max<int64_t>(config.querier_symbols_cache_bytes, 0)), &metrics_);
  FLAMEDB_ASSIGN_OR_RETURN(index_, metastore::EmbeddedIndex::Load(
                                       *bucket_, {.symbol_cache = symbol_cache_.get()}, logger_,
                                       metrics_));
  const std::vector<std::string> targets = config.Targets();
  if (HasTarget(targets, kCompactionWorker)) {
    compactor_ = std::make_unique<compactor::Compactor>(MakeCompactorOptions(), *bucket_, *index_,
                                                        clock_, logger_, metrics_);
    FLAMEDB_RETURN_IF_ERROR(compactor_->DropSuperseded());
  }
  // Replays the WAL: every acknowledged push is back before the server accepts new ones.
  FLAMEDB_ASSIGN_OR_RETURN(
      ingester_,
      ingester::Ingester::Open(
          {.wal_dir = config.WalDir(),
           .wal_sync = config.ingester_wal_sync == "none" ? wal::SyncPolicy::kNone
                                                          : wal::SyncPolicy::kAlways,
           .max_block_duration = config.ingester_max_block_duration,
           .max_head_bytes = static_cast<uint64_t>(config.ingester_max_block_bytes),
           .disk_paths = {config.WalDir(), config.DataPath()},
           .min_free_disk_bytes = static_cast<uint64_t>(config.storage_min_free_disk_mb) << 20,
           .symbol_cache = symbol_cache_.get(),
           // A remote bucket gets each block after the cut, from local disk (uploader.h).
           .staging_dir = config.storage.remote() ? config.DataPath() + "/upload" : "",
           .demand = &cpu_demand_},
          *bucket_, *index_, *overrides_, clock_, logger_, metrics_));
  querier_ = std::make_unique<querier::Querier>(*index_, ingester_.get());
  if (compactor_ != nullptr) compactor_->Start();
  return OkStatus();
}

api::Router App::BuildRouter(const base::FlagSet& flags) {
  api::Router router;
  auto readiness = [this] { return modules_.Ready(); };
  api::AddStatusRoutes(router, {.readiness = readiness, .metrics = &metrics_, .flags = &flags});
  const uint64_t max_body = static_cast<uint64_t>(config_.http_max_request_body_bytes);
  const std::vector<std::string> targets = config_.Targets();
  const bool serves_queries =
      HasTarget(targets, kQueryBackend) || HasTarget(targets, kQueryFrontend);
  api::AddConnectRoute(router, api::VersionMethod(serves_queries), clock_, max_body);
  if (serves_queries) {
    api::AddConnectRoute(router, api::FeatureFlagsMethod(config_.cluster.enabled()), clock_,
                         max_body);
  }
  if (distributor_ != nullptr) {
    api::IngestRouteDeps ingest{.distributor = distributor_.get(),
                                .overrides = overrides_.get(),
                                .debug_ingested = nullptr,
                                .clock = &clock_,
                                .max_body_bytes = max_body,
                                .forwarder = writer_client_.get()};
    if (querier_ != nullptr) {
      ingest.debug_ingested = [querier = querier_.get()](std::string_view tenant) {
        return querier->DebugJson(tenant);
      };
    }
    api::AddIngestRoutes(router, std::move(ingest));
  } else if (querier_ != nullptr) {
    api::AddDebugIngestedRoute(router, [querier = querier_.get()](std::string_view tenant) {
      return querier->DebugJson(tenant);
    });
  }
  if (querier_ != nullptr) {
    const query::QueryLimits limits{
        .max_query_length_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(config_.querier_max_query_length)
                .count(),
        .max_query_memory_bytes = config_.querier_max_query_memory,
        .query_threads = config_.QueryThreads()};
    engine_ = MakeEngine(limits);
    api::QuerierDeps querier{.engine = engine_.get(), .limits = limits, .clock = &clock_};
    for (api::UnaryMethod& m : api::QuerierMethods(querier)) {
      api::AddConnectRoute(router, std::move(m), clock_, max_body);
    }
    api::AddRenderRoutes(router, querier, clock_);
    api::AddUiRoutes(router);
  }
  if (ingester_ != nullptr) {
    api::AddAdminRoutes(router,
                        {.flush = [ingester = ingester_.get()] { return ingester->Flush(); },
                         // main() waits for SIGTERM and shuts down gracefully.
                         .shut_down = [] { kill(getpid(), SIGTERM); }});
  }
  if (config_.cluster.enabled()) AddClusterRoutes(router, max_body);
  if (serves_queries) {
    adhoc_ = std::make_unique<adhoc::Store>(*bucket_, clock_, [this](std::string_view tenant) {
      return static_cast<size_t>(std::max<int64_t>(overrides_->For(tenant)->max_profile_size_bytes,
                                                   0));
    });
    for (api::UnaryMethod& m : api::AdHocMethods(*adhoc_)) {
      api::AddConnectRoute(router, std::move(m), clock_, max_body);
    }
  }
  settings_ = std::make_unique<settings::Store>(*bucket_, clock_);
  for (api::UnaryMethod& m : api::SettingsMethods(*settings_)) {
    api::AddConnectRoute(router, std::move(m), clock_, max_body);
  }
  // The health check answers for every Connect service, itself included; it is registered last
  // so the list is complete.
  std::vector<std::string> services = api::ConnectServiceNames(router);
  services.push_back("grpc.health.v1.Health");
  api::AddConnectRoute(router, api::HealthCheckMethod(readiness, std::move(services)), clock_,
                       max_body);
  return router;
}

Result<std::unique_ptr<App>> App::Start(const Config& config, const base::FlagSet& flags,
                                        base::Logger& logger, const base::Clock& clock) {
  FLAMEDB_RETURN_IF_ERROR(config.Validate());
  std::unique_ptr<App> app(new App(config, logger, clock));
  app->modules_.Add(std::string(kServerModule));
  FLAMEDB_RETURN_IF_ERROR(app->PrepareDataDir());

  const base::BuildInfo& info = base::GetBuildInfo();
  base::RegisterProcessMetrics(app->metrics_);
  app->metrics_
      .AddGaugeFamily("pyroscope_build_info",
                      "A metric with a constant '1' value labeled by version, revision, branch "
                      "and the compiler (goversion) from which flamedb was built.",
                      {"version", "revision", "branch", "goversion"})
      .WithLabels({std::string(info.version), std::string(info.revision),
                   std::string(info.branch), std::string(info.compiler)})
      .Set(1);

  FLAMEDB_RETURN_IF_ERROR(app->StartRuntimeConfig());
  const bool cluster = config.cluster.enabled();
  FLAMEDB_RETURN_IF_ERROR(cluster ? app->StartCluster() : app->StartStorage());
  if (HasTarget(config.Targets(), kDistributor)) {
    distributor::ProfileSink* sink = app->ingester_.get();
    if (cluster) {
      app->writer_client_ = std::make_unique<ingester::WriterClient>(
          ingester::WriterClientOptions{
              .shards = static_cast<uint32_t>(config.cluster.shards),
              .timeout = config.cluster.distributor_writer_timeout},
          logger, app->metrics_);
      sink = app->writer_client_.get();
    }
    app->distributor_ =
        app->writer_distributor_ != nullptr
            ? std::make_unique<distributor::Distributor>(*sink, *app->writer_distributor_)
            : std::make_unique<distributor::Distributor>(*sink, *app->overrides_, clock, logger,
                                                         app->metrics_);
  }
  app->dispatcher_ = std::make_unique<api::Dispatcher>(
      app->BuildRouter(flags),
      api::DispatcherOptions{
          .multitenancy_enabled = config.multitenancy_enabled,
          .max_body_bytes = static_cast<uint64_t>(config.http_max_request_body_bytes)},
      app->metrics_, clock);
  HttpServerOptions http = config.HttpOptions();
  http.demand = &app->cpu_demand_;
  FLAMEDB_ASSIGN_OR_RETURN(app->http_,
                           HttpServer::Start(http, *app->dispatcher_, logger, clock, app->metrics_));
  if (cluster) FLAMEDB_RETURN_IF_ERROR(app->JoinCluster());
  app->modules_.Set(std::string(kServerModule), ModuleState::kRunning);
  return app;
}

int App::Shutdown(base::Duration timeout) {
  if (stopped_) {
    return 0;
  }
  stopped_ = true;
  modules_.Set(std::string(kServerModule), ModuleState::kStopping);
  // Leave the cluster first: distributors stop sending here while requests drain.
  membership_.reset();
  if (cluster_loop_.joinable()) {
    cluster_loop_.request_stop();
    cluster_loop_.join();
  }
  compaction_leader_.reset();  // Resigns; the compactor stops below.
  const int cut = http_ ? http_->Shutdown(std::chrono::steady_clock::now() + timeout) : 0;
  if (compactor_ != nullptr) compactor_->Stop();  // A merge in progress ends at its next section.
  if (ingester_ != nullptr) {
    // No request is in flight any more: cut the heads into blocks, so a restart reads blocks
    // instead of replaying the WAL.
    if (Status s = ingester_->Shutdown(); !s.ok()) {
      logger_.Error("could not cut the heads at shutdown; the WAL keeps the data", "err", s);
    } else {
      logger_.Info("heads cut into blocks");
    }
  }
  if (reload_thread_.joinable()) {
    reload_thread_.request_stop();
    reload_cv_.notify_all();
    reload_thread_.join();
  }
  return cut;
}

Status App::StartRuntimeConfig() {
  overrides_ = std::make_unique<distributor::Overrides>(config_.limits, config_.runtime_config_file);
  if (config_.runtime_config_file.empty()) {
    return OkStatus();
  }
  // A broken file at start is a configuration error; later, the last good one stays in force.
  FLAMEDB_RETURN_IF_ERROR(overrides_->Reload());
  reload_thread_ = std::jthread([this](std::stop_token stop) { ReloadLoop(stop); });
  return OkStatus();
}

void App::ReloadLoop(std::stop_token stop) {
  std::unique_lock<std::mutex> lock(reload_mu_);
  // wait_for returns true once a stop is requested, false when the period has passed.
  while (!reload_cv_.wait_for(lock, stop, config_.runtime_config_reload_period,
                              [&stop] { return stop.stop_requested(); })) {
    if (Status s = overrides_->Reload(); !s.ok()) {
      logger_.Warn("runtime config reload failed; keeping the previous overrides", "err", s);
    }
  }
}

}  // namespace flamedb::server
