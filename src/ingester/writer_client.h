// The distributor's side of cluster mode: a ProfileSink that sends each push to the
// segment-writers that own its shards (ring/placement.h), over HTTP to their internal push
// route, with the push's WAL record as the body (record.h): the writer appends those bytes to
// its WAL as they are.
//
// A push is split by shard (the tenant and the series' service_name). Each part goes to the
// shard's owner; when the owner cannot be reached, times out or answers 5xx, the part goes to
// the next candidate, and so on through every live writer, all within the one push: the client
// sees an error only when no writer takes a part. A writer's 4xx (a series limit, say) is the
// client's error and is returned as is, untried elsewhere.
//
// It is also the distributor's Forwarder (distributor/forwarder.h): pprof-based pushes go to the
// writer undecoded, to its internal ingest routes (distributor::kWriterIngestPath, ...),
// over the same candidates.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "distributor/forwarder.h"
#include "distributor/sink.h"
#include "ring/membership.h"

namespace flamedb::objstore {
class HttpClient;
struct HttpResponse;
}

namespace flamedb::ingester {

// The segment-writer's internal push route. Header kShardHeader names the shard.
inline constexpr std::string_view kWriterPushPath = "/internal/segment-writer/push";
inline constexpr std::string_view kShardHeader = "X-Flamedb-Shard";

struct WriterClientOptions {
  uint32_t shards = 64;
  base::Duration timeout = std::chrono::seconds(5);  // Per writer tried.
};

// Thread-safe.
class WriterClient final : public distributor::ProfileSink, public distributor::Forwarder {
 public:
  WriterClient(WriterClientOptions options, base::Logger& logger, base::MetricsRegistry& metrics);
  ~WriterClient() override;

  // The members to send to, once the process has joined the cluster; until then Append fails
  // with kUnavailable. `membership` must outlive the client's use.
  void Bind(const ring::Membership& membership) { membership_.store(&membership); }

  // Errors: kUnavailable (no writer took a part: the parts before it are stored), a writer's
  // own client error (kResourceExhausted, kInvalidArgument).
  Status Append(std::string_view tenant,
                std::vector<distributor::SeriesProfile> profiles) override;

  Result<distributor::Forwarded> Forward(std::string_view tenant, std::string_view service,
                                         std::string_view target, std::string_view content_type,
                                         const std::string& body, int64_t received_at_ns) override;

 private:
  // Sends `body` to `target` of the shard's candidates in turn, until one answers 2xx or 4xx.
  // Errors: kUnavailable when none does.
  // `received_at_ns` (0: none) goes in distributor::kReceivedAtHeader.
  Result<objstore::HttpResponse> SendShard(uint32_t shard, std::string_view tenant,
                                           std::string_view target,
                                           std::string_view content_type,
                                           const std::string& body, int64_t received_at_ns = 0);

  std::atomic<const ring::Membership*> membership_ = nullptr;
  const WriterClientOptions options_;
  base::Logger& logger_;
  std::unique_ptr<objstore::HttpClient> http_;
  base::Counter& sent_;
  base::Counter& retried_;
  base::Counter& failed_;
};

}  // namespace flamedb::ingester
