// The flags of cluster mode (design §2, docs/deployment.md): where etcd is, who this process
// is, and how the segment-writers shard and acknowledge. With -etcd.endpoints empty the binary
// runs embedded (one process, no etcd) and none of these apply.
#pragma once

#include <string>
#include <vector>

#include "base/duration.h"
#include "base/flags.h"
#include "base/status.h"

namespace flamedb::server {

struct ClusterConfig {
  std::string etcd_endpoints;  // Comma-separated; empty: embedded mode.
  base::Duration etcd_dial_timeout{};
  base::Duration etcd_request_timeout{};
  std::string etcd_prefix;
  std::string instance_id;     // Empty: "<hostname>-<port>".
  std::string advertise_addr;  // Empty: http://127.0.0.1:<port>.
  base::Duration member_ttl{};
  base::Duration index_refresh{};
  int64_t shards = 0;
  base::Duration segment_duration{};
  int64_t carry_symbols_mb = 0;
  std::string ack;  // "wal" or "bucket".
  base::Duration max_upload_wait{};
  base::Duration distributor_writer_timeout{};
  base::Duration compactor_delete_delay{};
  int64_t frontend_max_concurrent = 0;
  base::Duration frontend_backend_timeout{};

  void Register(base::FlagSet& flags);
  // Errors: kInvalidArgument naming the flag.
  Status Validate() const;
  bool enabled() const { return !etcd_endpoints.empty(); }
  std::vector<std::string> Endpoints() const;
  // instance_id, or its default for a process on `port`.
  std::string InstanceId(int port) const;
  std::string AdvertiseAddr(int port) const;
};

}  // namespace flamedb::server
