#include "server/cluster_config.h"

#include <unistd.h>

#include "base/strings.h"

namespace flamedb::server {

void ClusterConfig::Register(base::FlagSet& f) {
  f.String("etcd.endpoints", &etcd_endpoints, "",
           "Comma-separated etcd client URLs (http://host:2379). Set: this process is a member "
           "of a cluster (its -target components, state in etcd); empty: embedded mode.",
           {.yaml = "etcd.endpoints"});
  f.Duration("etcd.dial-timeout", &etcd_dial_timeout, std::chrono::seconds(5),
             "Longest time to connect to one etcd endpoint before trying the next.",
             {.yaml = "etcd.dial_timeout"});
  f.Duration("etcd.request-timeout", &etcd_request_timeout, std::chrono::seconds(5),
             "Longest time for one etcd request.", {.yaml = "etcd.request_timeout"});
  f.String("etcd.prefix", &etcd_prefix, "/flamedb/",
           "Prefix of every key of this cluster in etcd (several clusters may share one etcd).",
           {.yaml = "etcd.prefix"});
  f.String("cluster.instance-id", &instance_id, "",
           "This process's unique id in the cluster; empty means <hostname>-<http port>.",
           {.yaml = "cluster.instance_id"});
  f.String("cluster.advertise-addr", &advertise_addr, "",
           "Base URL other processes reach this one at; empty means http://127.0.0.1:<http port>.",
           {.yaml = "cluster.advertise_addr"});
  f.Duration("cluster.member-ttl", &member_ttl, std::chrono::seconds(10),
             "A process that stops renewing its membership for this long is taken out (its "
             "shards move to the next writer).",
             {.yaml = "cluster.member_ttl"});
  f.Duration("cluster.index-refresh", &index_refresh, std::chrono::seconds(1),
             "How often a process reads the members from etcd again (the block index follows "
             "an etcd watch; it is read whole every 30 of these as a safety net).",
             {.yaml = "cluster.index_refresh"});
  f.Int("segment-writer.shards", &shards, 64,
        "Number of shards that (tenant, service) pairs are hashed into; every process of a "
        "cluster must use the same value.",
        {.yaml = "segment_writer.shards"});
  f.Duration("segment-writer.segment-duration", &segment_duration, std::chrono::milliseconds(500),
             "How long a segment-writer accumulates profiles before writing them to the bucket.",
             {.yaml = "segment_writer.segment_duration"});
  f.Int("segment-writer.carry-symbols-mb", &carry_symbols_mb, 64,
        "Symbols (functions, locations, stacks) a segment-writer's next segment starts from, "
        "carried over from the last one so that repeated stacks are not interned again every "
        "segment; shared by its tenants, counted in -ingester.max-block-bytes. 0 disables.",
        {.yaml = "segment_writer.carry_symbols_mb"});
  f.String("segment-writer.ack", &ack, "wal",
           "When a push is acknowledged: wal (after the writer's local WAL, milliseconds; the "
           "segment follows) or bucket (after its segment is in the bucket and indexed).",
           {.yaml = "segment_writer.ack"});
  f.Duration("segment-writer.max-upload-wait", &max_upload_wait, std::chrono::seconds(2),
             "Bucket acknowledgement: once the oldest segment not yet in the bucket has waited "
             "this long (the bucket is down or hangs), pushes are refused at once with 503 "
             "instead of waiting, until segments reach the bucket again (the index step after "
             "the bucket's PUT does not count).",
             {.yaml = "segment_writer.max_upload_wait"});
  f.Duration("compactor.delete-delay", &compactor_delete_delay, std::chrono::minutes(15),
             "Cluster mode: how long the blocks a merge replaced, or retention took out, stay "
             "in the bucket after they left the index, for queries of other processes that may "
             "still read them (embedded mode deletes them once no query of its own holds them).",
             {.yaml = "compactor.delete_delay"});
  f.Duration("distributor.writer-timeout", &distributor_writer_timeout, std::chrono::seconds(5),
             "Longest time one segment-writer may take to acknowledge before the distributor "
             "tries the next.",
             {.yaml = "distributor.writer_timeout"});
  f.Int("query-frontend.max-concurrent", &frontend_max_concurrent, 8,
        "Queries a query-frontend runs at once; the rest wait in a per-tenant fair queue "
        "(each tenant's next query in turn).",
        {.yaml = "query_frontend.max_concurrent"});
  f.Duration("query-frontend.backend-timeout", &frontend_backend_timeout, std::chrono::minutes(2),
             "Longest time one query-backend may take over its part of a query before its "
             "blocks go to their next candidate.",
             {.yaml = "query_frontend.backend_timeout"});
}

std::vector<std::string> ClusterConfig::Endpoints() const {
  std::vector<std::string> out;
  for (std::string_view e : base::SplitNonEmpty(etcd_endpoints, ',')) out.emplace_back(e);
  return out;
}

Status ClusterConfig::Validate() const {
  if (!enabled()) return OkStatus();
  if (ack != "wal" && ack != "bucket") {
    return InvalidArgumentError("invalid value \"" + ack +
                                "\" for flag -segment-writer.ack: want wal or bucket");
  }
  if (frontend_max_concurrent < 1 || frontend_max_concurrent > 4096) {
    return InvalidArgumentError("invalid value " + std::to_string(frontend_max_concurrent) +
                                " for flag -query-frontend.max-concurrent: want 1..4096");
  }
  if (shards < 1 || shards > 65536) {
    return InvalidArgumentError("invalid value " + std::to_string(shards) +
                                " for flag -segment-writer.shards: want 1..65536");
  }
  if (carry_symbols_mb < 0 || carry_symbols_mb > (1 << 20)) {
    return InvalidArgumentError("invalid value " + std::to_string(carry_symbols_mb) +
                                " for flag -segment-writer.carry-symbols-mb: want 0..1048576");
  }
  if (segment_duration < std::chrono::milliseconds(10)) {
    return InvalidArgumentError("flag -segment-writer.segment-duration: want at least 10ms");
  }
  if (member_ttl < std::chrono::seconds(2) || index_refresh * 3 > member_ttl) {
    return InvalidArgumentError(
        "flag -cluster.member-ttl: want at least 2s and 3 times -cluster.index-refresh");
  }
  if (index_refresh <= base::Duration(0)) {
    return InvalidArgumentError("flag -cluster.index-refresh: want more than 0");
  }
  return OkStatus();
}

std::string ClusterConfig::InstanceId(int port) const {
  if (!instance_id.empty()) return instance_id;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "flamedb") + "-" + std::to_string(port);
}

std::string ClusterConfig::AdvertiseAddr(int port) const {
  return !advertise_addr.empty() ? advertise_addr : "http://127.0.0.1:" + std::to_string(port);
}

}  // namespace flamedb::server
