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
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "distributor/sink.h"
#include "ring/membership.h"

namespace flamedb::objstore {
class HttpClient;
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
class WriterClient final : public distributor::ProfileSink {
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

 private:
  // Sends one shard's part to its candidates in turn.
  Status SendShard(uint32_t shard, const std::string& record);

  std::atomic<const ring::Membership*> membership_ = nullptr;
  const WriterClientOptions options_;
  base::Logger& logger_;
  std::unique_ptr<objstore::HttpClient> http_;
  base::Counter& sent_;
  base::Counter& retried_;
  base::Counter& failed_;
};

}  // namespace flamedb::ingester
