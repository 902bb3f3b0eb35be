// The ingester, the write path: the ProfileSink that makes pushes durable (WAL) and queryable
// (the tenants' heads), cuts heads into blocks, uploads them to the bucket and adds them to the
// block index. Blocks are the index's (metastore/), merging and retention the compactor's.
// Durability and recovery rules: docs/block-format.md ("Life of a block").
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
#include "distributor/limits.h"
#include "distributor/sink.h"
#include "head/head.h"
#include "ingester/disk_guard.h"
#include "ingester/uploader.h"
#include "metastore/block_index.h"
#include "objstore/bucket.h"
#include "store/summary.h"
#include "wal/wal.h"

namespace flamedb::ingester {

struct IngesterOptions {
  // Names this writer in the blocks it cuts (BlockMeta::source), so that a replay skips only
  // what its own blocks hold: "ingester" in the single binary, the member id in a cluster.
  std::string source = "ingester";
  std::string wal_dir;
  wal::SyncPolicy wal_sync = wal::SyncPolicy::kAlways;
  // Heads are cut into blocks once the oldest is this old, or all heads together hold this
  // many bytes; checked every `cut_check_interval`.
  base::Duration max_block_duration = std::chrono::hours(1);
  uint64_t max_head_bytes = 1ull << 30;
  base::Duration cut_check_interval = std::chrono::seconds(5);
  // Writes are refused (503) while a volume of these paths has less free space.
  std::vector<std::string> disk_paths = {};
  uint64_t min_free_disk_bytes = 0;
  // The decoded symbol partitions of every block (null: each block keeps its own). Must
  // outlive the ingester.
  block::SymbolCache* symbol_cache = nullptr;
  // Non-empty (remote buckets): cut blocks are written here first and uploaded in the
  // background (uploader.h); the WAL is truncated as uploads complete. Empty: a cut uploads
  // directly and truncates the WAL itself.
  std::string staging_dir{};
  base::Duration upload_retry_interval = std::chrono::seconds(5);
  // The server's requests (null: none). A cut the background loop starts gives way to them
  // while they need every core (base::Pacer); Flush() and Shutdown() cut at full speed. Must
  // outlive the ingester.
  base::CpuDemand* demand = nullptr;
  // For the bucket acknowledgement (zero: no limit): once the oldest cut not yet in the bucket
  // has waited this long for it, CheckUploads refuses pushes and WaitPublished gives up at once, so that
  // a hanging bucket gets quick 503s rather than pushes held for the whole deadline. With
  // segment_objects, the time a cut's object spends in the index after its PUT (an etcd leader
  // election) does not count: pushes wait for that up to their deadline.
  base::Duration max_upload_wait = base::Duration::zero();
  // Cluster mode, without staging: a cut puts the blocks of every tenant into one segment object
  // (metastore::SegmentKey), one PUT per cut whatever the number of tenants, and adds them to
  // the index together. False: one object per tenant's block, with its meta.json.
  bool segment_objects = false;
  // A tenant's new head starts from the symbols of the head cut before it, up to this many
  // bytes shared by the tenants (head::Head::SeedSymbols; 0: every head starts empty), and its blocks hold only the
  // symbols their rows use. For short heads (segments): interning every stack again into
  // empty tables twice a second was a tenth of a segment-writer's CPU.
  uint64_t carry_symbols_bytes = 0;
};

// Thread-safe. Shutdown: stop pushes (the HTTP server drains first), then Shutdown(), which
// cuts every head into a block, then destroy.
class Ingester final : public distributor::ProfileSink {
 public:
  // Opens the WAL and replays what no block of `index` holds yet, then starts the background
  // loop (cuts by age and size). Errors: kFailedPrecondition (WAL directory), kInternal (I/O).
  static Result<std::unique_ptr<Ingester>> Open(const IngesterOptions& options,
                                                objstore::Bucket& bucket,
                                                metastore::BlockIndex& index,
                                                const distributor::Overrides& overrides,
                                                const base::Clock& clock, base::Logger& logger,
                                                base::MetricsRegistry& metrics);
  ~Ingester() override;

  // Checks free disk space and the tenant's series limit, appends the push to the WAL
  // (returns once durable), then adds it to the head. Errors: kUnavailable (disk nearly
  // full), kResourceExhausted (series limit); nothing is written then; kInternal (WAL I/O).
  Status Append(std::string_view tenant,
                std::vector<distributor::SeriesProfile> profiles) override EXCLUDES(mu_);
  // Append for a push whose record is already encoded (a segment-writer receives it so from
  // the distributor): `encoded` goes to the WAL as is. `cut_ticket`, when not null, receives
  // what WaitPublished needs to wait for the cut that takes this push to the bucket.
  Status AppendEncoded(std::string_view tenant, std::vector<distributor::SeriesProfile> profiles,
                       std::string_view encoded, uint64_t* cut_ticket) EXCLUDES(mu_);
  // Returns once the cut after the push of `cut_ticket` is in the bucket and the index (a
  // segment-writer's bucket acknowledgement). Errors: kDeadlineExceeded at `deadline`,
  // kUnavailable once uploads are stalled (CheckUploads).
  Status WaitPublished(uint64_t cut_ticket, std::chrono::steady_clock::time_point deadline)
      EXCLUDES(published_mu_);
  // kUnavailable naming the last upload error when the oldest cut not yet in the bucket has
  // waited for it longer than max_upload_wait: a push would not be acknowledged in time, so it is refused
  // before anything is written.
  Status CheckUploads() const EXCLUDES(published_mu_);

  // Cuts every head into a block, uploads the blocks (data, then meta.json), adds them to the
  // index and deletes the WAL segments they cover. Errors: the bucket's. Without staging the
  // heads then stay readable and are retried at the next cut; with staging the blocks are
  // cut and readable from local disk, and the background uploader retries.
  Status Flush() EXCLUDES(cut_mu_, mu_);
  // Flushes if the oldest head is older than max_block_duration or the heads hold more than
  // max_head_bytes (what the background loop does every cut_check_interval). Returns whether it
  // cut.
  Result<bool> CutIfDue() EXCLUDES(cut_mu_, mu_);
  // Stops the background loop and flushes. Further pushes fail with kUnavailable.
  Status Shutdown() EXCLUDES(cut_mu_, mu_);
  using Heads = std::vector<std::shared_ptr<const head::Head>>;
  // Calls `fn` with the heads of `tenant` (the live head, then heads being cut), while no cut
  // can move a head into the index: what `fn` reads of the index then holds every profile
  // exactly once together with the heads.
  void ReadHeads(std::string_view tenant, const std::function<void(Heads)>& fn) const
      EXCLUDES(mu_);
  // Tenants with a head.
  std::vector<std::string> Tenants() const EXCLUDES(mu_);

 private:
  struct Tenant {
    std::shared_ptr<head::Head> head;
    std::chrono::steady_clock::time_point head_started;
    std::vector<std::shared_ptr<head::Head>> cutting;  // Cut, not yet in the bucket.
    // The head cut last (carry_symbols_bytes): the next head starts from its symbols if it is
    // still alive then. Weak, so that it holds no cut head's rows in memory.
    std::weak_ptr<const head::Head> last_cut;
  };
  struct Cut {
    uint64_t generation = 0;  // Cuts are numbered from 1 as they start.
    uint64_t wal_segment_end = 0;
    std::map<std::string, std::shared_ptr<head::Head>> heads;
  };

  Ingester(const IngesterOptions& options, objstore::Bucket& bucket, metastore::BlockIndex& index,
           const distributor::Overrides& overrides, const base::Clock& clock,
           base::Logger& logger, base::MetricsRegistry& metrics);
  Status Replay() EXCLUDES(mu_);
  std::shared_ptr<head::Head> HeadFor(std::string_view tenant) EXCLUDES(mu_);
  Status Apply(head::Head& head, const std::vector<distributor::SeriesProfile>& profiles,
               size_t max_series);
  // Flush(), encoding the blocks with `pacer` (null: at full speed).
  Status CutHeads(base::Pacer* pacer) EXCLUDES(cut_mu_, mu_);
  Status UploadCut(const Cut& cut, base::Pacer* pacer) REQUIRES(cut_mu_) EXCLUDES(mu_);
  Status UploadsStalledError() const REQUIRES(published_mu_);
  // UploadCut of the oldest pending cut, then marks it published.
  Status UploadOldestCut(base::Pacer* pacer) REQUIRES(cut_mu_) EXCLUDES(mu_, published_mu_);
  // Encodes `head` into a block, puts it in the bucket (or stages it for upload) and publishes
  // it in the index in place of the head.
  Status UploadHead(const std::string& tenant, const head::Head& head, uint64_t wal_end,
                    base::Pacer* pacer) EXCLUDES(mu_);
  // The same for every head of `cut` not published yet, as one segment object.
  Status UploadSegment(const Cut& cut, base::Pacer* pacer) EXCLUDES(mu_);
  // Whether `head` of `tenant` is still waiting for its block to be published.
  bool Cutting(const std::string& tenant, const head::Head* head) const EXCLUDES(mu_);
  // A block of `head` as the cut of WAL segments up to `wal_end`, under a new ULID.
  Result<block::EncodedBlock> EncodeHead(const std::string& tenant, const head::Head& head,
                                         uint64_t wal_end, base::Pacer* pacer) const;
  Result<metastore::BlockRef> Store(const block::EncodedBlock& encoded);
  // The oldest pending cut's object is in the bucket: the stall clock of max_upload_wait stops.
  void BucketReached() EXCLUDES(published_mu_);
  bool ShouldCut() const EXCLUDES(mu_);
  size_t LiveHeadBytes() const EXCLUDES(mu_);  // Of the heads taking pushes, not those cut.
  void Loop(std::stop_token stop);

  const IngesterOptions options_;
  objstore::Bucket& bucket_;
  metastore::BlockIndex& index_;
  const distributor::Overrides& overrides_;
  const base::Clock& clock_;
  base::Logger& logger_;
  base::MetricsRegistry& metrics_;
  DiskGuard disk_;
  base::Counter& replayed_;
  base::Counter& replay_skipped_;
  base::Counter& blocks_cut_;
  base::Counter& segments_cut_;
  base::Counter& cut_failures_;
  base::Counter& cut_paused_;
  base::Gauge& head_bytes_;
  std::unique_ptr<wal::Wal> wal_;
  std::unique_ptr<Uploader> uploader_;  // With staging_dir only. After wal_: stopped first.

  // Appends hold it shared from the WAL write to the head update; a cut holds it exclusively
  // while it rotates the WAL and swaps the heads, so every record below the new segment is in
  // the old heads and every later one in the new heads.
  base::SharedMutex append_mu_;
  base::Mutex cut_mu_;  // One cut at a time; held across uploads.
  std::vector<Cut> pending_ GUARDED_BY(cut_mu_);  // Cuts whose upload has not finished.
  std::atomic<uint64_t> cuts_started_ = 0;  // Changed under append_mu_ held exclusively.
  mutable base::Mutex published_mu_;
  base::CondVar published_cv_;
  uint64_t published_ GUARDED_BY(published_mu_) = 0;  // Every cut up to this one is published.
  // When the oldest cut not yet in the bucket began waiting for it (unset: none waits; see
  // max_upload_wait), and why the last attempt to publish one failed.
  std::optional<std::chrono::steady_clock::time_point> bucket_wait_since_ GUARDED_BY(published_mu_);
  std::string last_upload_error_ GUARDED_BY(published_mu_);
  mutable base::Mutex mu_;
  std::map<std::string, Tenant, std::less<>> tenants_ GUARDED_BY(mu_);
  bool shut_down_ GUARDED_BY(mu_) = false;

  std::jthread loop_;  // Last: stopped and joined first.
};

}  // namespace flamedb::ingester
