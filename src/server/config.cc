#include "server/config.h"

#include <algorithm>
#include <thread>

#include "base/cpu_demand.h"
#include "base/logging.h"
#include "base/strings.h"

namespace flamedb::server {

namespace {

// Handlers may wait on disk (the WAL's fsync), so there are more of them than cores. A fixed
// number keeps the documented default the same on every machine.
constexpr int64_t kDefaultHandlerThreads = 16;

void RegisterProcessFlags(Config& c, base::FlagSet& f) {
  f.String("target", &c.target, "all",
           "Comma-separated list of components to run: all, distributor, segment-writer, "
           "metastore, compaction-worker, query-frontend, query-backend; Pyroscope's ingester, "
           "querier, store-gateway, compactor and query-scheduler are accepted as aliases.",
           {.yaml = "target"});
  f.String("config.file", &c.config_file, "", "Configuration file to load (YAML).");
  f.Bool("config.expand-env", &c.config_expand_env, false,
         "Expand ${VAR} and ${VAR:-default} in the configuration file from the environment.");
  f.Bool("help", &c.help, false, "Print the basic flags and exit.");
  f.Bool("help-all", &c.help_all, false, "Print every flag, advanced ones too, and exit.");
  f.Bool("help-markdown", &c.help_markdown, false,
         "Print the configuration reference (docs/configuration.md) and exit.");
  f.Bool("version", &c.version, false, "Print the version and exit.");
  f.String("log.level", &c.log_level, "info",
           "Only log messages at or above this level: debug, info, warn, error.",
           {.yaml = "server.log_level"});
  f.String("log.format", &c.log_format, "logfmt", "Log line format: logfmt or json.",
           {.yaml = "server.log_format"});
  f.Bool("auth.multitenancy-enabled", &c.multitenancy_enabled, false,
         "Require the X-Scope-OrgID header on tenant routes; when false every request is tenant "
         "\"anonymous\".",
         {.yaml = "multitenancy_enabled"});
  c.storage.Register(f);
  c.cluster.Register(f);
  f.String("pyroscopedb.data-path", &c.data_path, "",
           "Directory of local state (the WAL, blocks being merged); empty means "
           "<storage.filesystem.dir> with the filesystem backend and ./data with the others.",
           {.yaml = "pyroscopedb.data_path"});
}

void RegisterHttpFlags(Config& c, base::FlagSet& f) {
  f.String("server.http-listen-address", &c.http_listen_address, "",
           "HTTP server listen address; empty means all interfaces.",
           {.yaml = "server.http_listen_address"});
  f.Int("server.http-listen-port", &c.http_listen_port, 4040,
        "HTTP server listen port; 0 picks a free port (logged at start).",
        {.yaml = "server.http_listen_port"});
  f.Duration("server.http-read-timeout", &c.http_read_timeout, std::chrono::seconds(30),
             "Longest time to receive one request, headers and body (408 after it).",
             {.yaml = "server.http_server_read_timeout"});
  f.Duration("server.http-write-timeout", &c.http_write_timeout, std::chrono::seconds(30),
             "Longest time to send one response.", {.yaml = "server.http_server_write_timeout"});
  f.Duration("server.http-idle-timeout", &c.http_idle_timeout, std::chrono::minutes(2),
             "How long a keep-alive connection may wait for its next request.",
             {.yaml = "server.http_server_idle_timeout"});
  f.Int("server.http-max-request-header-bytes", &c.http_max_request_header_bytes, 1 << 20,
        "Largest request line plus headers accepted (431 beyond it).",
        {.yaml = "server.http_max_request_header_bytes"});
  f.Int("server.http-max-request-body-bytes", &c.http_max_request_body_bytes, 256 << 20,
        "Largest request body accepted on any route, before and after decompression (413 "
        "beyond it); routes may set lower limits.",
        {.yaml = "server.http_max_request_body_bytes"});
  f.Int("server.http-io-threads", &c.http_io_threads, 2,
        "Threads doing network I/O for every connection.",
        {.yaml = "server.http_io_threads"});
  f.Int("server.http-handler-threads", &c.http_handler_threads, kDefaultHandlerThreads,
        "Threads running request handlers.",
        {.yaml = "server.http_handler_threads"});
  f.Duration("server.graceful-shutdown-timeout", &c.graceful_shutdown_timeout,
             std::chrono::seconds(30),
             "On SIGTERM or SIGINT, how long in-flight requests may take to finish.",
             {.yaml = "server.graceful_shutdown_timeout"});
}

// Embedded mode (no etcd) is one process: the distributor sends pushes to the segment-writer
// of its own process and queries read that writer's heads, so those run together, with or
// without the compaction-worker. Separate processes need cluster mode.
Status CheckEmbeddedTargets(const std::vector<std::string>& targets) {
  const bool queries = HasTarget(targets, kQueryFrontend) || HasTarget(targets, kQueryBackend);
  if (HasTarget(targets, kDistributor) && HasTarget(targets, kSegmentWriter) && queries) {
    return OkStatus();
  }
  std::string list;
  for (const std::string& t : targets) list += (list.empty() ? "" : ",") + t;
  return InvalidArgumentError(
      "-target=" + list +
      " needs cluster mode: without -etcd.endpoints one process runs distributor, "
      "segment-writer and the query path together (-target=all, or those with or without "
      "compaction-worker)");
}

Status Positive(std::string_view flag, int64_t v, int64_t max) {
  if (v < 1 || v > max) {
    return InvalidArgumentError("invalid value " + std::to_string(v) + " for flag -" +
                                std::string(flag) + ": want 1.." + std::to_string(max));
  }
  return OkStatus();
}

}  // namespace

void Config::Register(base::FlagSet& flags) {
  RegisterProcessFlags(*this, flags);
  RegisterHttpFlags(*this, flags);
  limits.Register(flags, "limits.");
  flags.String("ingester.wal-dir", &ingester_wal_dir, "",
               "Directory of the write-ahead log; empty means <pyroscopedb.data-path>/wal.",
               {.yaml = "ingester.wal_dir"});
  flags.String("ingester.wal-sync", &ingester_wal_sync, "always",
               "always: acknowledge a push once it is fsync'ed (concurrent pushes share one "
               "fsync); none: do not fsync (survives a process crash, not a machine crash).",
               {.yaml = "ingester.wal_sync"});
  flags.Duration("ingester.max-block-duration", &ingester_max_block_duration,
                 std::chrono::hours(1),
                 "Cut the heads into blocks once the oldest has received pushes for this long.",
                 {.yaml = "ingester.max_block_duration"});
  // 256 MiB of packed head rows (~80 M samples) keeps the server under 1 GiB of RSS at 1,000
  // uploads/s, cut and block encoding included (docs/performance.md).
  flags.Int("ingester.max-block-bytes", &ingester_max_block_bytes, int64_t{256} << 20,
            "Cut the heads into blocks once together they hold this many bytes of memory.",
            {.yaml = "ingester.max_block_bytes"});
  flags.Duration("compactor.compaction-interval", &compactor_compaction_interval,
                 std::chrono::minutes(10),
                 "How often the compactor merges blocks (in the ingester's process, at low "
                 "priority); 0 disables compaction.",
                 {.yaml = "compactor.compaction_interval"});
  flags.String("compactor.block-ranges", &compactor_block_ranges, "1h,2h,8h",
               "Comma-separated, ascending time ranges of the compaction levels: range i merges "
               "the blocks of levels up to i+1 that start in one aligned window of it.",
               {.yaml = "compactor.block_ranges"});
  flags.String("compactor.data-dir", &compactor_data_dir, "",
               "Directory for blocks being merged before upload; empty means "
               "<pyroscopedb.data-path>/compactor.",
               {.yaml = "compactor.data_dir"});
  flags.Int("compactor.max-block-bytes", &compactor_max_block_bytes, int64_t{4} << 30,
            "Largest block (block.bin bytes of its inputs) one merge makes.",
            {.yaml = "compactor.max_block_bytes"});
  flags.Int("storage.min-free-disk-mb", &storage_min_free_disk_mb, 512,
            "Refuse writes (503) while the WAL or storage volume has less free space than "
            "this many MiB; they resume once space is freed. 0 disables the check.",
            {.yaml = "storage.min_free_disk_mb"});
  flags.Duration("querier.max-query-length", &querier_max_query_length, std::chrono::hours(24 * 7),
                 "Longest time range a query may span (400 beyond it); 0 means no limit.",
                 {.yaml = "querier.max_query_length"});
  flags.Int("querier.max-query-memory", &querier_max_query_memory, int64_t{1} << 30,
            "Bytes of intermediate results one query may hold (stack sums, merged trees); a "
            "query that needs more fails with resource_exhausted instead of the process "
            "running out of memory. 0 means no limit.",
            {.yaml = "querier.max_query_memory"});
  flags.Int("querier.query-threads", &querier_query_threads, 0,
            "Blocks and heads one query reads at once, each on its own thread; 0 means one per "
            "CPU core.",
            {.yaml = "querier.query_threads"});
  flags.Int("querier.symbols-cache-bytes", &querier_symbols_cache_bytes, int64_t{512} << 20,
            "Bytes of decoded block symbol partitions kept for later queries, shared by all "
            "blocks and tenants (least recently used leave first). 0 keeps none.",
            {.yaml = "querier.symbols_cache_bytes"});
  flags.String("runtime-config.file", &runtime_config_file, "",
               "YAML file of per-tenant limit overrides (`overrides: {<tenant>: {<limit>: v}}`), "
               "reloaded while running.",
               {.yaml = "runtime_config.file"});
  flags.Duration("runtime-config.reload-period", &runtime_config_reload_period,
                 std::chrono::seconds(10), "How often the runtime config file is reloaded.",
                 {.yaml = "runtime_config.period"});
}

std::vector<std::string> Config::Targets() const {
  Result<std::vector<std::string>> targets = ParseTargets(target);
  return targets.ok() ? *targets : std::vector<std::string>();  // Validate() reports it.
}

Status Config::Validate() const {
  FLAMEDB_ASSIGN_OR_RETURN(const std::vector<std::string> targets, ParseTargets(target));
  FLAMEDB_RETURN_IF_ERROR(cluster.Validate());
  if (!cluster.enabled()) FLAMEDB_RETURN_IF_ERROR(CheckEmbeddedTargets(targets));
  FLAMEDB_RETURN_IF_ERROR(base::ParseLogLevel(log_level).status().WithContext("flag -log.level"));
  FLAMEDB_RETURN_IF_ERROR(
      base::ParseLogFormat(log_format).status().WithContext("flag -log.format"));
  if (http_listen_port < 0 || http_listen_port > 65535) {
    return InvalidArgumentError("invalid value " + std::to_string(http_listen_port) +
                                " for flag -server.http-listen-port: want 0..65535");
  }
  FLAMEDB_RETURN_IF_ERROR(Positive("server.http-max-request-header-bytes",
                                   http_max_request_header_bytes, 1LL << 30));
  FLAMEDB_RETURN_IF_ERROR(
      Positive("server.http-max-request-body-bytes", http_max_request_body_bytes, 1LL << 40));
  FLAMEDB_RETURN_IF_ERROR(Positive("server.http-io-threads", http_io_threads, 256));
  FLAMEDB_RETURN_IF_ERROR(Positive("server.http-handler-threads", http_handler_threads, 4096));
  FLAMEDB_RETURN_IF_ERROR(storage.Validate());
  if (ingester_max_block_duration <= base::Duration::zero() || ingester_max_block_bytes <= 0) {
    return InvalidArgumentError(
        "-ingester.max-block-duration and -ingester.max-block-bytes must be positive");
  }
  if (compactor_compaction_interval < base::Duration::zero() || compactor_max_block_bytes <= 0) {
    return InvalidArgumentError(
        "-compactor.compaction-interval must not be negative and -compactor.max-block-bytes "
        "must be positive");
  }
  FLAMEDB_RETURN_IF_ERROR(CompactorRanges().status());
  if (storage_min_free_disk_mb < 0) {
    return InvalidArgumentError("-storage.min-free-disk-mb must not be negative");
  }
  if (querier_query_threads < 0 || querier_symbols_cache_bytes < 0) {
    return InvalidArgumentError(
        "-querier.query-threads and -querier.symbols-cache-bytes must not be negative");
  }
  if (ingester_wal_sync != "always" && ingester_wal_sync != "none") {
    return InvalidArgumentError("invalid -ingester.wal-sync \"" + ingester_wal_sync +
                                "\": want always or none");
  }
  return OkStatus();
}

int Config::QueryThreads() const {
  const int64_t n = querier_query_threads > 0
                        ? querier_query_threads
                        : static_cast<int64_t>(base::UsableCores());
  return static_cast<int>(std::clamp<int64_t>(n, 1, 64));
}

Result<std::vector<base::Duration>> Config::CompactorRanges() const {
  std::vector<base::Duration> out;
  for (std::string_view item : base::SplitNonEmpty(compactor_block_ranges, ',')) {
    Result<base::Duration> d = base::ParseDuration(base::TrimSpace(item));
    if (!d.ok() || *d <= base::Duration::zero() || (!out.empty() && *d <= out.back())) {
      return InvalidArgumentError("invalid -compactor.block-ranges entry \"" + std::string(item) +
                                  "\": want positive durations in ascending order, such as "
                                  "1h,2h,8h");
    }
    out.push_back(*d);
  }
  if (out.empty()) {
    return InvalidArgumentError("-compactor.block-ranges is empty: name at least one range");
  }
  return out;
}

std::string Config::DataPath() const {
  if (!data_path.empty()) return data_path;
  return storage.remote() ? "./data" : storage.filesystem_dir;
}

std::string Config::CompactorDir() const {
  return compactor_data_dir.empty() ? DataPath() + "/compactor" : compactor_data_dir;
}

std::string Config::WalDir() const {
  return ingester_wal_dir.empty() ? DataPath() + "/wal" : ingester_wal_dir;
}

Status Config::Compile() {
  FLAMEDB_RETURN_IF_ERROR(Validate());
  return limits.Compile();
}

HttpServerOptions Config::HttpOptions() const {
  HttpServerOptions o;
  o.address = http_listen_address;
  o.port = static_cast<uint16_t>(http_listen_port);
  o.read_timeout = http_read_timeout;
  o.write_timeout = http_write_timeout;
  o.idle_timeout = http_idle_timeout;
  o.max_header_bytes = static_cast<uint64_t>(http_max_request_header_bytes);
  o.io_threads = static_cast<int>(http_io_threads);
  o.handler_threads = static_cast<int>(http_handler_threads);
  return o;
}

}  // namespace flamedb::server
