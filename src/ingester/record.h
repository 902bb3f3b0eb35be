// The WAL record of one push: the tenant, its series (labels and sample subsets) and the
// profiles they share, as pprof. Layout in docs/wal-format.md ("Ingester records").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/byte_coding.h"
#include "base/status.h"
#include "distributor/sink.h"

namespace flamedb::ingester {

struct PushRecord {
  std::string tenant;
  std::vector<distributor::SeriesProfile> series;
};

// Encodes `series` of `tenant`; profiles shared by several series are written once.
std::string EncodeRecord(std::string_view tenant,
                         const std::vector<distributor::SeriesProfile>& series);
// The same bytes into `out` (cleared first). Reusing one writer per thread saves growing a
// new string for every push: the profile's pprof is most of a record, about 90 KB here.
void EncodeRecordTo(std::string_view tenant,
                    const std::vector<distributor::SeriesProfile>& series,
                    base::ByteWriter& out);

// Decodes a record written by EncodeRecord. Errors: kDataLoss when the bytes do not decode
// (the WAL's CRC passed, so they were written wrong or by another version).
Result<PushRecord> DecodeRecord(std::string_view bytes);

}  // namespace flamedb::ingester
