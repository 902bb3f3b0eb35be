// The compactor service (design §5 "compactor"): its own threads over the bucket and the block
// index. Merges blocks into levels (compact.h, planner.h) and swaps each merged block in for its
// sources in one step; enforces retention; deletes replaced blocks once no query reads them.
// Durability rules: docs/block-format.md ("Compaction").
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "block/symbol_cache.h"
#include "compactor/planner.h"
#include "compactor/segments.h"
#include "metastore/block_index.h"
#include "objstore/bucket.h"

namespace flamedb::compactor {

struct CompactorOptions {
  // Every `compaction_interval` (zero: never in the background) one compaction round runs in a
  // thread of low priority.
  base::Duration compaction_interval = base::Duration::zero();
  PlanOptions plan{};
  // Where merged block.bin files are written before their upload.
  std::string scratch_dir{};
  // Every `retention_check_interval`, blocks older than their tenant's retention go.
  base::Duration retention_check_interval = std::chrono::minutes(1);
  // A tenant's retention period; zero or negative keeps everything. Null: no retention.
  std::function<base::Duration(std::string_view tenant)> retention{};
  // For the readers of merged blocks (null: each keeps its own). Must outlive the compactor.
  block::SymbolCache* symbol_cache = nullptr;
  // How long the sources of a merge, and blocks past retention, stay in the bucket after they
  // left the index (the next compaction round after that deletes them). Zero: sources stay
  // until no reader of this process holds them, and retention deletes at once (the single
  // binary, whose queries all run here). A cluster's other processes read from their own copy
  // of the index, refreshed every second or so, and their queries may still read: a delay.
  base::Duration delete_delay = base::Duration::zero();
  // Cluster mode: the retention pass also deletes segment objects no block is in any more
  // (segments.h), after this delay (zero: no sweep).
  base::Duration segment_sweep_delay = base::Duration::zero();
};

// Thread-safe.
class Compactor {
 public:
  Compactor(const CompactorOptions& options, objstore::Bucket& bucket,
            metastore::BlockIndex& index, const base::Clock& clock, base::Logger& logger,
            base::MetricsRegistry& metrics);
  ~Compactor();  // Stops the threads.

  // Takes out of the index, and deletes, the blocks that a compacted block in it already holds
  // (a crash came between its upload and their deletion). Run at start, before queries.
  Status DropSuperseded();
  // Starts the background threads (compaction if its interval is set, and retention).
  void Start();
  // Stops them; a merge in progress ends at its next section.
  void Stop();
  // One of the two, for a cluster: every compaction-worker merges (each planned merge under a
  // job claim, BlockIndex::ClaimJob), only the elected leader applies retention.
  void StartCompaction();
  void StartRetention();
  void StopRetention();

  // One compaction round over every tenant: the planned merges, then the deletion of sources of
  // earlier merges that no reader holds any more. Returns how many blocks were made. A failed
  // merge is logged and counted, and leaves its sources as they were; the error returned is the
  // first one. A stop request on `stop` ends the merge in progress and the round.
  Result<size_t> Compact(std::stop_token stop = {}) EXCLUDES(mu_);
  // Deletes blocks past their tenant's retention period. Returns how many were deleted.
  Result<size_t> ApplyRetention();

 private:
  // Merges `merge` and swaps the new block in for its sources. Returns false when a source
  // left meanwhile (retention): the new block is then deleted again.
  // Runs under the claim of `job`: the swap happens only if the claim still holds.
  Result<bool> RunMerge(const PlannedMerge& merge, const std::string& job, std::stop_token stop)
      REQUIRES(mu_);
  Status DeleteRetired() REQUIRES(mu_);

  const CompactorOptions options_;
  objstore::Bucket& bucket_;
  metastore::BlockIndex& index_;
  const base::Clock& clock_;
  base::Logger& logger_;
  base::Counter& made_;
  base::Counter& failures_;
  base::Counter& input_bytes_;
  base::Counter& duplicates_;
  base::Counter& retention_deleted_;
  base::Counter& claimed_elsewhere_;

  base::Mutex mu_;  // One compaction round at a time.
  // Sources of merges, kept until no reader of this process holds them and delete_delay has
  // passed since the swap.
  struct Retired {
    std::weak_ptr<const metastore::LoadedBlock> block;
    block::BlockMeta meta;
    std::chrono::steady_clock::time_point since;
  };
  std::vector<Retired> retired_ GUARDED_BY(mu_);
  std::unique_ptr<SegmentSweeper> sweeper_;  // Used by the retention thread only.
  std::jthread compact_loop_;
  std::jthread retention_loop_;
};

}  // namespace flamedb::compactor
