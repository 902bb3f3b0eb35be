#include "ingester/writer_sink.h"

#include <chrono>
#include <string>
#include <utility>

#include "ingester/record.h"

namespace flamedb::ingester {

Status WriterSink::Append(std::string_view tenant,
                          std::vector<distributor::SeriesProfile> profiles) {
  const std::string encoded = EncodeRecord(tenant, profiles);
  return AppendEncoded(tenant, std::move(profiles), encoded);
}

Status WriterSink::AppendEncoded(std::string_view tenant,
                                 std::vector<distributor::SeriesProfile> profiles,
                                 std::string_view encoded) {
  uint64_t ticket = 0;
  // A push that could not be acknowledged in time is refused before it is stored: a quick 503,
  // and the client's retry is not a duplicate.
  if (bucket_ack_) FLAMEDB_RETURN_IF_ERROR(ingester_.CheckUploads());
  FLAMEDB_RETURN_IF_ERROR(
      ingester_.AppendEncoded(tenant, std::move(profiles), encoded, bucket_ack_ ? &ticket : nullptr));
  if (!bucket_ack_) return OkStatus();
  const Status s = ingester_.WaitPublished(ticket, std::chrono::steady_clock::now() + wait_);
  return s.ok() ? s : UnavailableError(std::string(s.message()));
}

}  // namespace flamedb::ingester
