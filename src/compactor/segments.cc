#include "compactor/segments.h"

#include <set>

namespace flamedb::compactor {

SegmentSweeper::SegmentSweeper(objstore::Bucket& bucket, const metastore::BlockIndex& index,
                               const base::Clock& clock, base::Duration delay,
                               base::Logger& logger, base::MetricsRegistry& metrics)
    : bucket_(bucket),
      index_(index),
      clock_(clock),
      delay_(delay),
      logger_(logger),
      deleted_(metrics.AddCounter("flamedb_compactor_segments_deleted_total",
                                  "Segment objects deleted once no block of the index was in "
                                  "them (merged into blocks of their own, or past retention).")) {}

Result<size_t> SegmentSweeper::Sweep() {
  // The listing first: an object written after it is not judged by an older index.
  FLAMEDB_ASSIGN_OR_RETURN(const objstore::ListResult listed,
                           bucket_.List(metastore::kSegmentPrefix, "/"));
  std::set<std::string, std::less<>> used;
  for (const std::string& tenant : index_.Tenants()) {
    for (const metastore::BlockRef& b : index_.Blocks(tenant)) {
      if (!b->meta.object.empty()) used.insert(b->meta.object);
    }
  }
  const auto now = clock_.SteadyNow();
  std::map<std::string, std::chrono::steady_clock::time_point> still_unused;
  size_t deleted = 0;
  for (const objstore::ObjectInfo& o : listed.objects) {
    if (!o.key.ends_with(metastore::kSegmentSuffix) || used.contains(o.key)) continue;
    const auto seen = unused_since_.find(o.key);
    const auto since = seen == unused_since_.end() ? now : seen->second;
    if (now - since < delay_) {
      still_unused.emplace(o.key, since);
      continue;
    }
    if (Status s = bucket_.Delete(o.key); !s.ok()) {
      logger_.Warn("cannot delete an unused segment object; the next pass retries", "object",
                   o.key, "err", s);
      still_unused.emplace(o.key, since);
      continue;
    }
    ++deleted;
    deleted_.Inc();
  }
  unused_since_ = std::move(still_unused);  // Used again, or gone: forgotten.
  if (deleted > 0) logger_.Info("unused segment objects deleted", "count", deleted);
  return deleted;
}

}  // namespace flamedb::compactor
