// Several sources (the blocks being compacted) seen as one, for EncodeBlockTo to write as one
// block (design §5 "compactor"): series with equal labels are one series, the partitions of
// one service are one partition holding the de-duplicated union of their symbols, and a
// series' rows come in time order with exact replicas kept once.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "store/indexed_source.h"
#include "store/source.h"
#include "symdb/partition.h"

namespace flamedb::compactor {

// Thread-safe for reads, like every source.
class MergedSource final : public store::IndexedSource {
 public:
  // Reads every source's symbols once, one partition at a time, and keeps the merged ones.
  // REQUIRES: the sources outlive the merged source and do not change.
  // Errors: those of the sources' symbol reads (kDataLoss for a damaged block).
  static Result<std::unique_ptr<MergedSource>> Create(
      std::vector<const store::ProfileSource*> sources);
  ~MergedSource() override;

  // One series' rows gathered from the sources (defined and used in the .cc only).
  struct Rows;

  // Rows that ForEachRow dropped because another source held the same profile: same series,
  // time, partition and samples (one profile pushed through two ingesters).
  uint64_t duplicates() const { return duplicates_.load(std::memory_order_relaxed); }

  store::TimeRange Range() const override { return range_; }
  // Holds one series' rows from every source at a time: memory follows the largest series,
  // not the blocks. Reading series in ascending label order (what EncodeBlockTo does) reads
  // each source front to back.
  Status ForEachRow(std::span<const uint32_t> series, store::TimeRange range,
                    const std::function<void(const store::RowView&)>& fn) const override;
  size_t PartitionCount() const override { return partitions_.size(); }
  std::string PartitionName(uint32_t partition) const override;
  Status WithSymbols(uint32_t partition,
                     const std::function<void(const symdb::Partition&)>& fn) const override;

 private:
  struct Member {
    uint32_t source = 0;
    uint32_t series = 0;  // The id in that source.
  };
  // Where a source's partition went: the merged partition and each of its stacks' new ids.
  struct PartitionMap {
    uint32_t merged = 0;
    std::vector<uint32_t> stacks;
  };
  explicit MergedSource(std::vector<const store::ProfileSource*> sources);
  Status MergeSeries();
  Status MergePartitions();
  Status CollectRows(uint32_t series, store::TimeRange range, Rows& rows) const;

  const std::vector<const store::ProfileSource*> sources_;
  store::TimeRange range_{INT64_MAX, INT64_MIN};
  std::vector<std::vector<Member>> members_;  // By merged series id.
  std::vector<std::string> partition_names_;
  std::vector<std::unique_ptr<symdb::Partition>> partitions_;
  std::vector<std::vector<PartitionMap>> maps_;  // [source][source partition].
  mutable std::atomic<uint64_t> duplicates_{0};
  // ForEachRow's buffers, kept across calls (one per series when a block is written): one
  // reader at a time uses them, others make their own.
  mutable base::Mutex scratch_mu_;
  mutable std::unique_ptr<Rows> scratch_ GUARDED_BY(scratch_mu_);
};

}  // namespace flamedb::compactor
