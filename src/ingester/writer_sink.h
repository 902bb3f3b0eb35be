// A segment-writer's sink: what takes a push once it is decoded (by the writer's own
// distributor for a forwarded request, or by the cluster's distributor for an encoded record).
// It appends to the ingester and, in the bucket acknowledgement mode, returns only once the cut
// that takes the push is in the bucket and indexed.
#pragma once

#include <string_view>
#include <vector>

#include "base/duration.h"
#include "distributor/sink.h"
#include "ingester/ingester.h"

namespace flamedb::ingester {

// Thread-safe. `ingester` must outlive the sink.
class WriterSink final : public distributor::ProfileSink {
 public:
  // `bucket_ack`: -segment-writer.ack=bucket; `wait`: how long a push waits for its cut.
  WriterSink(Ingester& ingester, bool bucket_ack, base::Duration wait)
      : ingester_(ingester), bucket_ack_(bucket_ack), wait_(wait) {}

  // Errors: those of Ingester::Append; kUnavailable when uploads are stalled (bucket mode: a
  // push is refused before anything is stored) or the cut did not reach the bucket in time.
  Status Append(std::string_view tenant,
                std::vector<distributor::SeriesProfile> profiles) override;
  // Append of a push whose WAL record the distributor already encoded (record.h).
  Status AppendEncoded(std::string_view tenant, std::vector<distributor::SeriesProfile> profiles,
                       std::string_view encoded);

 private:
  Ingester& ingester_;
  const bool bucket_ack_;
  const base::Duration wait_;
};

}  // namespace flamedb::ingester
