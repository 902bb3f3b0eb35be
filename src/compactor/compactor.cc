#include "compactor/compactor.h"

#include <sys/resource.h>
#include <unistd.h>

#include <set>

#include "base/periodic.h"
#include "base/ulid.h"
#include "compactor/compact.h"

namespace flamedb::compactor {

Compactor::Compactor(const CompactorOptions& options, objstore::Bucket& bucket,
                     metastore::BlockIndex& index, const base::Clock& clock,
                     base::Logger& logger, base::MetricsRegistry& metrics)
    : options_(options),
      bucket_(bucket),
      index_(index),
      clock_(clock),
      logger_(logger),
      made_(metrics.AddCounter("flamedb_compactor_blocks_made_total",
                               "Blocks made by merging others (compaction).")),
      failures_(metrics.AddCounter(
          "flamedb_compactor_failures_total",
          "Merges that failed; their sources stay as they were and are planned again.")),
      input_bytes_(metrics.AddCounter("flamedb_compactor_input_bytes_total",
                                      "block.bin bytes of the blocks merged.")),
      duplicates_(metrics.AddCounter(
          "flamedb_compactor_duplicate_profiles_total",
          "Profiles found in two merged blocks (replicas) and written once.")),
      retention_deleted_(metrics.AddCounter("flamedb_blocks_retention_deleted_total",
                                            "Blocks deleted because they passed retention.")),
      claimed_elsewhere_(metrics.AddCounter(
          "flamedb_compactor_jobs_claimed_elsewhere_total",
          "Planned merges skipped because another compaction-worker holds their job.")) {
  if (options_.segment_sweep_delay > base::Duration::zero()) {
    sweeper_ = std::make_unique<SegmentSweeper>(bucket_, index_, clock_,
                                                options_.segment_sweep_delay, logger_, metrics);
  }
}

Compactor::~Compactor() { Stop(); }

void Compactor::Start() {
  StartCompaction();
  StartRetention();
}

void Compactor::StartCompaction() {
  if (options_.compaction_interval > base::Duration::zero() && !compact_loop_.joinable()) {
    compact_loop_ = std::jthread([this](std::stop_token stop) {
      // Merging is background work: ingestion and queries come first (nice is per thread).
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
      base::RunEvery(stop, options_.compaction_interval, [this, stop] {
        if (Result<size_t> made = Compact(stop); !made.ok()) {
          logger_.Error("compaction round failed", "err", made.status());
        }
      });
    });
  }
}

void Compactor::StartRetention() {
  if ((options_.retention || sweeper_ != nullptr) && !retention_loop_.joinable()) {
    retention_loop_ = std::jthread([this](std::stop_token stop) {
      base::RunEvery(stop, options_.retention_check_interval, [this] {
        if (auto r = ApplyRetention(); !r.ok()) logger_.Error("retention failed", "err", r.status());
        if (sweeper_ == nullptr) return;
        if (auto r = sweeper_->Sweep(); !r.ok()) {
          logger_.Error("segment sweep failed", "err", r.status());
        }
      });
    });
  }
}

void Compactor::Stop() {
  compact_loop_.request_stop();
  StopRetention();
  if (compact_loop_.joinable()) compact_loop_.join();
  compact_loop_ = std::jthread();
}

void Compactor::StopRetention() {
  retention_loop_.request_stop();
  if (retention_loop_.joinable()) retention_loop_.join();
  retention_loop_ = std::jthread();
}

Result<size_t> Compactor::Compact(std::stop_token stop) {
  base::MutexLock lock(mu_);
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          clock_.Now().time_since_epoch())
                          .count();
  size_t made = 0;
  Status first;
  for (const std::string& tenant : index_.Tenants()) {
    std::vector<block::BlockMeta> metas;
    for (const metastore::BlockRef& b : index_.Blocks(tenant)) {
      if (!b->staged) metas.push_back(b->meta);  // Not in the bucket yet.
    }
    for (const PlannedMerge& merge : Plan(std::move(metas), now, options_.plan)) {
      if (stop.stop_requested()) return made;
      const std::string job = JobId(merge);
      Result<bool> claimed = index_.ClaimJob(job);
      if (claimed.ok() && !*claimed) {
        claimed_elsewhere_.Inc();  // Another compaction-worker merges it.
        continue;
      }
      Result<bool> done = claimed.ok() ? RunMerge(merge, job, stop) : claimed.status();
      if (claimed.ok() && !done.ok()) {
        if (Status s = index_.ReleaseJob(job); !s.ok()) {
          logger_.Warn("cannot release a compaction job; it goes when the lease does", "job", job,
                       "err", s);
        }
      }
      if (done.ok()) {
        made += *done ? 1 : 0;
        continue;
      }
      if (done.status().code() == StatusCode::kCancelled) {
        logger_.Info("compaction stopped for shutdown", "tenant", tenant);
        return made;
      }
      failures_.Inc();
      logger_.Error("compaction failed", "tenant", tenant, "blocks", merge.inputs.size(), "err",
                    done.status());
      if (first.ok()) first = done.status();
    }
  }
  FLAMEDB_RETURN_IF_ERROR(DeleteRetired());
  if (!first.ok()) return first;
  return made;
}

Result<bool> Compactor::RunMerge(const PlannedMerge& merge, const std::string& job,
                                 std::stop_token stop) {
  const auto started = clock_.SteadyNow();
  const std::string ulid = base::Ulid::New(clock_.Now()).ToString();
  FLAMEDB_ASSIGN_OR_RETURN(Compacted done,
                           CompactBlocks(bucket_, merge.inputs, ulid,
                                         {.scratch_dir = options_.scratch_dir,
                                          .level = merge.level,
                                          .stop = std::move(stop)}));
  FLAMEDB_ASSIGN_OR_RETURN(metastore::BlockRef merged,
                           metastore::OpenBlock(bucket_, done.meta, options_.symbol_cache));
  std::set<std::string> inputs;
  for (const block::BlockMeta& in : merge.inputs) inputs.insert(in.ulid);
  // One step for readers, as a cut: the sources leave and the merged block arrives, if the
  // job is still ours.
  Result<std::optional<std::vector<metastore::BlockRef>>> replaced =
      index_.CommitJob(job, done.meta.tenant, inputs, std::move(merged));
  if (!replaced.ok()) {
    // The swap may or may not have happened (etcd unreachable mid-call): the merged block's
    // objects stay, since the index may name them; if it does not, they are an orphan that
    // costs space but is never read.
    logger_.Warn("compaction not published: the index did not answer", "block", ulid, "err",
                 replaced.status());
    return replaced.status();
  }
  std::optional<std::vector<metastore::BlockRef>>& sources = *replaced;
  if (!sources.has_value()) {
    logger_.Warn("compacted block dropped: a source left meanwhile (retention), or the job's "
                 "lease was lost and another worker redoes it", "block", ulid, "job", job);
    FLAMEDB_RETURN_IF_ERROR(metastore::DeleteBlock(bucket_, done.meta));
    return false;
  }
  for (metastore::BlockRef& b : *sources) {
    // Held only by readers now: DeleteRetired sees them go.
    retired_.push_back({.block = b, .meta = b->meta, .since = clock_.SteadyNow()});
  }
  made_.Inc();
  input_bytes_.Inc(static_cast<double>(done.input_bytes));
  duplicates_.Inc(static_cast<double>(done.duplicates));
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.SteadyNow() - started);
  logger_.Info("blocks compacted", "tenant", done.meta.tenant, "block", ulid, "level",
               done.meta.level, "sources", merge.inputs.size(), "input_bytes", done.input_bytes,
               "bytes", done.meta.data_bytes, "duplicates", done.duplicates, "duration_ms",
               static_cast<int64_t>(ms.count()));
  return true;
}

Status Compactor::DeleteRetired() {
  // A query that took a snapshot before the swap may still read a source: it goes once the
  // last such reader lets go of it.
  const auto now = clock_.SteadyNow();
  for (size_t i = 0; i < retired_.size();) {
    if (!retired_[i].block.expired() || now - retired_[i].since < options_.delete_delay) {
      ++i;
      continue;
    }
    FLAMEDB_RETURN_IF_ERROR(metastore::DeleteBlock(bucket_, retired_[i].meta));
    retired_.erase(retired_.begin() + static_cast<std::ptrdiff_t>(i));
  }
  return OkStatus();
}

Status Compactor::DropSuperseded() {
  for (const std::string& tenant : index_.Tenants()) {
    std::set<std::string> merged;  // Blocks that another block was made from.
    for (const metastore::BlockRef& b : index_.Blocks(tenant)) {
      for (const std::string& s : b->meta.sources) {
        if (s != b->meta.ulid) merged.insert(s);
      }
    }
    FLAMEDB_ASSIGN_OR_RETURN(const std::vector<metastore::BlockRef> superseded,
                             index_.RemoveIf(tenant, [&](const block::BlockMeta& m) {
                               return merged.count(m.ulid) > 0;
                             }));
    for (const metastore::BlockRef& b : superseded) {
      logger_.Warn("block removed: a compacted block holds it (a compaction was interrupted)",
                   "tenant", b->meta.tenant, "block", b->meta.ulid);
      FLAMEDB_RETURN_IF_ERROR(metastore::DeleteBlock(bucket_, b->meta));
    }
  }
  return OkStatus();
}

Result<size_t> Compactor::ApplyRetention() {
  if (!options_.retention) return size_t{0};
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          clock_.Now().time_since_epoch())
                          .count();
  size_t deleted = 0;
  for (const std::string& tenant : index_.Tenants()) {
    const base::Duration period = options_.retention(tenant);
    if (period <= base::Duration::zero()) continue;
    const int64_t cutoff = now - period.count();
    FLAMEDB_ASSIGN_OR_RETURN(const std::vector<metastore::BlockRef> expired,
                             index_.RemoveIf(tenant, [&](const block::BlockMeta& m) {
                               return m.max_time_nanos < cutoff;
                             }));
    for (const metastore::BlockRef& b : expired) {
      if (options_.delete_delay > base::Duration::zero()) {
        // Out of the index now; its objects go after the delay, as merges' sources do, since
        // other processes may still read them.
        base::MutexLock lock(mu_);
        retired_.push_back({.block = b, .meta = b->meta, .since = clock_.SteadyNow()});
      } else {
        FLAMEDB_RETURN_IF_ERROR(metastore::DeleteBlock(bucket_, b->meta));
      }
      retention_deleted_.Inc();
      ++deleted;
      logger_.Info("block deleted by retention", "tenant", b->meta.tenant, "block", b->meta.ulid,
                   "max_time_ns", b->meta.max_time_nanos);
    }
  }
  return deleted;
}

}  // namespace flamedb::compactor
