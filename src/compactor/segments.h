// Segment objects (metastore::SegmentKey) hold blocks of several tenants, so no one merge or
// retention pass can delete one: each only takes its tenant's block out of the index. The
// sweeper deletes an object once no block of the index is in it and that has held for `delay`
// on every pass since: queries that planned before a merge may still read it meanwhile, and a
// writer adds its segment to the index right after the PUT (a retry makes a new object).
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "base/status.h"
#include "metastore/block_index.h"
#include "objstore/bucket.h"

namespace flamedb::compactor {

// Not thread-safe: one process (cluster mode's elected compaction leader) runs the passes.
class SegmentSweeper {
 public:
  SegmentSweeper(objstore::Bucket& bucket, const metastore::BlockIndex& index,
                 const base::Clock& clock, base::Duration delay, base::Logger& logger,
                 base::MetricsRegistry& metrics);

  // One pass: lists the segment objects and deletes those no block of the index has been in
  // for `delay`. Returns how many it deleted. Errors: the bucket's (the next pass retries).
  Result<size_t> Sweep();

 private:
  objstore::Bucket& bucket_;
  const metastore::BlockIndex& index_;
  const base::Clock& clock_;
  const base::Duration delay_;
  base::Logger& logger_;
  base::Counter& deleted_;
  // Objects found unused, and since when (steady time of the first such pass).
  std::map<std::string, std::chrono::steady_clock::time_point> unused_since_;
};

}  // namespace flamedb::compactor
