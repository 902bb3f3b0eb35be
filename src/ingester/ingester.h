// The ingester: the ProfileSink that makes pushes durable (WAL) and queryable (the tenants'
// heads), cuts heads into blocks in the bucket, and serves heads and blocks to readers.
// Durability and recovery rules: docs/block-format.md ("Life of a block").
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/cpu_demand.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "block/meta.h"
#include "block/reader.h"
#include "compactor/planner.h"
#include "distributor/limits.h"
#include "distributor/sink.h"
#include "head/head.h"
#include "ingester/disk_guard.h"
#include "objstore/bucket.h"
#include "store/summary.h"
#include "wal/wal.h"

namespace flamedb::ingester {

struct IngesterOptions {
  std::string wal_dir;
  wal::SyncPolicy wal_sync = wal::SyncPolicy::kAlways;
  // Heads are cut into blocks once the oldest is this old, or all heads together hold this
  // many bytes; checked every `cut_check_interval`.
  base::Duration max_block_duration = std::chrono::hours(1);
  uint64_t max_head_bytes = 1ull << 30;
  base::Duration cut_check_interval = std::chrono::seconds(5);
  base::Duration retention_check_interval = std::chrono::minutes(1);
  // Writes are refused (503) while a volume of these paths has less free space.
  std::vector<std::string> disk_paths = {};
  uint64_t min_free_disk_bytes = 0;
  // The decoded symbol partitions of every block (null: each block keeps its own). Must
  // outlive the ingester.
  block::SymbolCache* symbol_cache = nullptr;
  // Compaction (design §5): every `compaction_interval` (zero: never in the background) the
  // blocks are merged as `compaction` plans, in a thread of low priority; the new block
  // replaces its sources for readers in one step, and the sources leave the bucket once no
  // reader holds them. The new block.bin is written under `compaction_dir` first.
  base::Duration compaction_interval = base::Duration::zero();
  compactor::PlanOptions compaction{};
  std::string compaction_dir{};
  // The server's requests (null: none). A cut the background loop starts gives way to them
  // while they need every core (base::Pacer); Flush() and Shutdown() cut at full speed. Must
  // outlive the ingester.
  base::CpuDemand* demand = nullptr;
};

// A block the ingester knows: its meta and an open reader.
struct LoadedBlock {
  block::BlockMeta meta;
  std::unique_ptr<block::BlockReader> reader;
};

// What a reader sees of one tenant at one moment: every profile is in exactly one source.
struct TenantSnapshot {
  std::vector<std::shared_ptr<const head::Head>> heads;  // The live head, then heads being cut.
  std::vector<std::shared_ptr<const LoadedBlock>> blocks;
  std::vector<const store::ProfileSource*> Sources() const;
};

// Thread-safe. Shutdown: stop pushes (the HTTP server drains first), then Shutdown(), which
// cuts every head into a block, then destroy.
class Ingester final : public distributor::ProfileSink {
 public:
  // Loads the blocks of `bucket`, opens the WAL and replays what no block holds yet, then
  // starts the background loop (cuts by age and size, retention).
  // Errors: kFailedPrecondition (WAL directory), kInternal (I/O).
  static Result<std::unique_ptr<Ingester>> Open(const IngesterOptions& options,
                                                objstore::Bucket& bucket,
                                                const distributor::Overrides& overrides,
                                                const base::Clock& clock, base::Logger& logger,
                                                base::MetricsRegistry& metrics);
  ~Ingester() override;

  // Checks free disk space and the tenant's series limit, appends the push to the WAL
  // (returns once durable), then adds it to the head. Errors: kUnavailable (disk nearly
  // full), kResourceExhausted (series limit); nothing is written then; kInternal (WAL I/O).
  Status Append(std::string_view tenant,
                std::vector<distributor::SeriesProfile> profiles) override EXCLUDES(mu_);

  // Cuts every head into a block, uploads the blocks (data, then meta.json) and deletes the
  // WAL segments they cover. Errors: the bucket's; the heads stay readable and are retried at
  // the next cut.
  Status Flush() EXCLUDES(cut_mu_, mu_);
  // Flushes if the oldest head is older than max_block_duration or the heads hold more than
  // max_head_bytes (what the background loop does every cut_check_interval). Returns whether it
  // cut.
  Result<bool> CutIfDue() EXCLUDES(cut_mu_, mu_);
  // Stops the background loop and flushes. Further pushes fail with kUnavailable.
  Status Shutdown() EXCLUDES(cut_mu_, mu_);
  // Deletes blocks past their tenant's retention period. Returns how many were deleted.
  Result<size_t> ApplyRetention() EXCLUDES(mu_);
  // One compaction round over every tenant (what the background thread runs): the planned
  // merges, then deletes the sources of earlier merges that no reader holds any more.
  // Returns how many blocks were made. A failed merge is logged and counted, and leaves its
  // sources as they were; the error returned is the first one. A stop request on `stop` ends
  // the merge in progress and the round.
  Result<size_t> Compact(std::stop_token stop = {}) EXCLUDES(mu_, compact_mu_);

  TenantSnapshot Snapshot(std::string_view tenant) const EXCLUDES(mu_);
  std::vector<std::string> Tenants() const EXCLUDES(mu_);
  // The JSON of GET /debug/ingested for `tenant`: per series (without the per-sample-type
  // labels) the profile count and the total of each profile type, over heads and blocks.
  Result<std::string> DebugJson(std::string_view tenant) const EXCLUDES(mu_);

 private:
  struct Tenant {
    std::shared_ptr<head::Head> head;
    std::chrono::steady_clock::time_point head_started;
    std::vector<std::shared_ptr<head::Head>> cutting;  // Cut, not yet in the bucket.
    std::vector<std::shared_ptr<const LoadedBlock>> blocks;
  };
  struct Cut {
    uint64_t wal_segment_end = 0;
    std::map<std::string, std::shared_ptr<head::Head>> heads;
  };

  Ingester(const IngesterOptions& options, objstore::Bucket& bucket,
           const distributor::Overrides& overrides, const base::Clock& clock,
           base::Logger& logger, base::MetricsRegistry& metrics);
  Status LoadBlocks() EXCLUDES(mu_);
  Status Replay() EXCLUDES(mu_);
  std::shared_ptr<head::Head> HeadFor(std::string_view tenant) EXCLUDES(mu_);
  Status Apply(head::Head& head, const std::vector<distributor::SeriesProfile>& profiles,
               size_t max_series);
  // Flush(), encoding the blocks with `pacer` (null: at full speed).
  Status CutHeads(base::Pacer* pacer) EXCLUDES(cut_mu_, mu_);
  Status UploadCut(const Cut& cut, base::Pacer* pacer) REQUIRES(cut_mu_) EXCLUDES(mu_);
  Status UploadHead(const std::string& tenant, const head::Head& head, uint64_t wal_end,
                    base::Pacer* pacer) EXCLUDES(mu_);
  bool ShouldCut() const EXCLUDES(mu_);
  size_t LiveHeadBytes() const EXCLUDES(mu_);  // Of the heads taking pushes, not those cut.
  // Calls `fn` every `interval` until `stop` (the background threads' loop).
  void Every(std::stop_token stop, base::Duration interval, const std::function<void()>& fn);
  void Loop(std::stop_token stop);
  void CompactLoop(std::stop_token stop);
  // Merges `merge` and swaps the new block in for its sources. Returns false when a source
  // left meanwhile (retention): the new block is then deleted again.
  Result<bool> RunMerge(const compactor::PlannedMerge& merge, std::stop_token stop)
      REQUIRES(compact_mu_) EXCLUDES(mu_);
  Status DeleteRetired() REQUIRES(compact_mu_);
  // At load: drops the blocks that a loaded compacted block already holds (a crash came
  // between its upload and their deletion).
  Status DropSuperseded() EXCLUDES(mu_);
  Status DeleteBlock(const block::BlockMeta& meta);

  const IngesterOptions options_;
  objstore::Bucket& bucket_;
  const distributor::Overrides& overrides_;
  const base::Clock& clock_;
  base::Logger& logger_;
  base::MetricsRegistry& metrics_;
  DiskGuard disk_;
  base::Counter& replayed_;
  base::Counter& replay_skipped_;
  base::Counter& blocks_cut_;
  base::Counter& blocks_damaged_;
  base::Counter& blocks_deleted_;
  base::Counter& cut_failures_;
  base::Counter& cut_paused_;
  base::Counter& compactions_;
  base::Counter& compaction_failures_;
  base::Counter& compacted_bytes_;
  base::Counter& compacted_duplicates_;
  base::Gauge& head_bytes_;
  std::unique_ptr<wal::Wal> wal_;

  // Appends hold it shared from the WAL write to the head update; a cut holds it exclusively
  // while it rotates the WAL and swaps the heads, so every record below the new segment is in
  // the old heads and every later one in the new heads.
  base::SharedMutex append_mu_;
  base::Mutex cut_mu_;  // One cut at a time; held across uploads.
  std::vector<Cut> pending_ GUARDED_BY(cut_mu_);  // Cuts whose upload has not finished.
  mutable base::Mutex mu_;
  std::map<std::string, Tenant, std::less<>> tenants_ GUARDED_BY(mu_);
  bool shut_down_ GUARDED_BY(mu_) = false;

  std::mutex loop_mu_;  // std:: types: condition_variable_any waits on a stop_token.
  std::condition_variable_any loop_cv_;
  // One compaction round at a time. Sources of merges, kept until no reader holds them.
  base::Mutex compact_mu_;
  std::vector<std::weak_ptr<const LoadedBlock>> retired_ GUARDED_BY(compact_mu_);
  std::vector<block::BlockMeta> retired_meta_ GUARDED_BY(compact_mu_);  // Parallel to retired_.
  std::jthread compact_loop_;
  std::jthread loop_;  // Last: stopped and joined first.
};

}  // namespace flamedb::ingester
