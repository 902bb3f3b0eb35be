// The process configuration: every flag of the flamedb binary, registered with Pyroscope's names
// and defaults where Pyroscope has the setting (docs/configuration.md is generated from here).
#pragma once

#include <string>
#include <vector>

#include "base/duration.h"
#include "base/flags.h"
#include "distributor/limits.h"
#include "objstore/config.h"
#include "server/cluster_config.h"
#include "server/http_server.h"
#include "server/targets.h"

namespace flamedb::server {


struct Config {
  // Process.
  std::string target;
  std::string config_file;
  bool config_expand_env = false;
  bool help = false;
  bool help_all = false;
  bool help_markdown = false;
  bool version = false;

  // Logging.
  std::string log_level;
  std::string log_format;

  // HTTP server.
  std::string http_listen_address;
  int64_t http_listen_port = 0;
  base::Duration http_read_timeout{};
  base::Duration http_write_timeout{};
  base::Duration http_idle_timeout{};
  int64_t http_max_request_header_bytes = 0;
  int64_t http_max_request_body_bytes = 0;
  int64_t http_io_threads = 0;
  int64_t http_handler_threads = 0;
  base::Duration graceful_shutdown_timeout{};

  // Cluster mode (empty etcd endpoints: embedded).
  ClusterConfig cluster;
  // Tenancy.
  bool multitenancy_enabled = false;

  // Storage: the bucket, and the local directory of what is not in it yet.
  objstore::BucketConfig storage;
  std::string data_path;  // Empty: <storage.filesystem_dir> (filesystem backend) or ./data.
  std::string DataPath() const;

  // Ingester.
  std::string ingester_wal_dir;  // Empty: <DataPath()>/wal.
  std::string ingester_wal_sync;
  base::Duration ingester_max_block_duration{};
  int64_t ingester_max_block_bytes = 0;
  int64_t storage_min_free_disk_mb = 0;
  // Compactor (runs in the ingester's process).
  base::Duration compactor_compaction_interval{};
  std::string compactor_block_ranges;
  std::string compactor_data_dir;  // Empty: <DataPath()>/compactor.
  int64_t compactor_max_block_bytes = 0;
  // -compactor.block-ranges parsed. Errors: kInvalidArgument naming the bad entry.
  Result<std::vector<base::Duration>> CompactorRanges() const;
  std::string CompactorDir() const;
  base::Duration querier_max_query_length{};
  int64_t querier_max_query_memory = 0;
  int64_t querier_symbols_cache_bytes = 0;
  int64_t querier_query_threads = 0;
  // -querier.query-threads with 0 resolved to the number of cores (at least 1, at most 64).
  int QueryThreads() const;

  // Per-tenant limits: defaults here, overrides in the runtime config file.
  distributor::Limits limits;
  std::string runtime_config_file;
  base::Duration runtime_config_reload_period{};

  // Registers every flag; defaults are stored immediately.
  void Register(base::FlagSet& flags);

  // Checks values the flag types cannot (ranges, enumerations, target names).
  // Errors: kInvalidArgument naming the flag.
  Status Validate() const;

  // Validate(), then compiles what needs compiling (the relabeling rules of `limits`).
  Status Compile();

  // The canonical components `target` names ("all" is every one of KnownTargets()); empty
  // when it does not parse (Validate() says why).
  std::vector<std::string> Targets() const;

  HttpServerOptions HttpOptions() const;
  std::string WalDir() const;
};

}  // namespace flamedb::server
