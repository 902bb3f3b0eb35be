// Cutting heads into blocks, uploading them, truncating the WAL, and the background loop that
// triggers them.
#include "base/periodic.h"
#include "base/ulid.h"
#include "block/bytes.h"
#include "block/writer.h"
#include "ingester/ingester.h"

namespace flamedb::ingester {

Status Ingester::Flush() {
  FLAMEDB_RETURN_IF_ERROR(CutHeads(nullptr));
  if (uploader_ == nullptr) return OkStatus();
  return uploader_->UploadPending().WithContext("heads cut and kept on local disk, upload");
}

Status Ingester::UploadOldestCut(base::Pacer* pacer) {
  if (Status s = UploadCut(pending_.front(), pacer); !s.ok()) {
    base::MutexLock lock(published_mu_);
    last_upload_error_ = std::string(s.message());
    return s;
  }
  const uint64_t generation = pending_.front().generation;
  pending_.erase(pending_.begin());
  base::MutexLock lock(published_mu_);
  published_ = std::max(published_, generation);
  last_upload_error_.clear();
  // The next pending cut waits from now on; none: nothing waits.
  bucket_wait_since_.reset();
  if (!pending_.empty()) bucket_wait_since_ = clock_.SteadyNow();
  published_cv_.NotifyAll();
  return OkStatus();
}

void Ingester::BucketReached() {
  base::MutexLock lock(published_mu_);
  bucket_wait_since_.reset();
  published_cv_.NotifyAll();  // Waiters drop the limit.
}

Status Ingester::CutHeads(base::Pacer* pacer) {
  base::MutexLock cut_lock(cut_mu_);
  // Earlier cuts first, so that a tenant's blocks always cover a prefix of the WAL.
  while (!pending_.empty()) FLAMEDB_RETURN_IF_ERROR(UploadOldestCut(pacer));
  Cut cut;
  {
    base::WriterLock append(append_mu_);  // Waits for pushes in flight.
    FLAMEDB_ASSIGN_OR_RETURN(cut.wal_segment_end, wal_->Rotate());
    cut.generation = ++cuts_started_;
    base::MutexLock lock(mu_);
    for (auto& [name, tenant] : tenants_) {
      if (tenant.head != nullptr && tenant.head->rows() > 0) {
        cut.heads[name] = tenant.head;
        tenant.cutting.push_back(tenant.head);
        tenant.last_cut = tenant.head;
        tenant.head = nullptr;  // The next push starts a new head.
      }
    }
  }
  pending_.push_back(std::move(cut));
  {
    base::MutexLock lock(published_mu_);
    if (!bucket_wait_since_.has_value()) {
      bucket_wait_since_ = clock_.SteadyNow();
      published_cv_.NotifyAll();  // Waiters take the new limit.
    }
  }
  FLAMEDB_RETURN_IF_ERROR(UploadOldestCut(pacer));
  return OkStatus();
}

bool Ingester::Cutting(const std::string& tenant, const head::Head* head) const {
  base::MutexLock lock(mu_);
  const auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return false;
  return std::any_of(t->second.cutting.begin(), t->second.cutting.end(),
                     [head](const auto& h) { return h.get() == head; });
}

Status Ingester::UploadCut(const Cut& cut, base::Pacer* pacer) {
  if (options_.segment_objects && uploader_ == nullptr) {
    if (Status s = UploadSegment(cut, pacer); !s.ok()) {
      cut_failures_.Inc();
      logger_.Error("segment upload failed; the heads stay in memory and the WAL is kept",
                    "err", s);
      return s;
    }
  }
  for (const auto& [tenant, head] : cut.heads) {
    // A head already uploaded (by an earlier attempt, or in the segment) is no longer cutting.
    if (!Cutting(tenant, head.get())) continue;
    if (Status s = UploadHead(tenant, *head, cut.wal_segment_end, pacer); !s.ok()) {
      cut_failures_.Inc();
      logger_.Error("block upload failed; the head stays in memory and the WAL is kept",
                    "tenant", tenant, "err", s);
      return s;
    }
  }
  // Every record below the boundary is now in a block.
  if (uploader_ != nullptr) {
    uploader_->CutStaged(cut.wal_segment_end);  // It truncates once the blocks are uploaded.
    return OkStatus();
  }
  const auto started = clock_.SteadyNow();
  FLAMEDB_RETURN_IF_ERROR(wal_->Truncate(cut.wal_segment_end));
  logger_.Info("wal truncated", "below_segment", cut.wal_segment_end, "duration_ms",
               static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        clock_.SteadyNow() - started)
                                        .count()));
  return OkStatus();
}

Status Ingester::UploadHead(const std::string& tenant, const head::Head& head, uint64_t wal_end,
                            base::Pacer* pacer) {
  const auto started = clock_.SteadyNow();
  const base::Duration paused_before = pacer != nullptr ? pacer->paused() : base::Duration{0};
  FLAMEDB_ASSIGN_OR_RETURN(block::EncodedBlock encoded, EncodeHead(tenant, head, wal_end, pacer));
  const block::BlockMeta& meta = encoded.meta;
  const auto encoded_at = clock_.SteadyNow();
  FLAMEDB_ASSIGN_OR_RETURN(metastore::BlockRef loaded, Store(encoded));
  {
    // One step for readers (ReadHeads): the head leaves and the block arrives, so no profile is
    // seen twice or missed.
    // If the index refuses (etcd unreachable), the head stays and the next cut retries it.
    base::MutexLock lock(mu_);
    FLAMEDB_RETURN_IF_ERROR(index_.Add(std::move(loaded)));
    Tenant& t = tenants_[tenant];
    std::erase_if(t.cutting, [&](const auto& h) { return h.get() == &head; });
  }
  const auto published_at = clock_.SteadyNow();
  blocks_cut_.Inc();
  const auto ms = [](base::Duration d) {
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  const base::Duration paused = pacer != nullptr ? pacer->paused() - paused_before
                                                 : base::Duration{0};
  cut_paused_.Inc(std::chrono::duration<double>(paused).count());
  logger_.Info("block cut", "tenant", tenant, "block", meta.ulid, "series", encoded.meta.series,
               "profiles", encoded.meta.profiles, "samples", encoded.meta.samples, "bytes",
               encoded.meta.data_bytes, "duration_ms", ms(published_at - started), "encode_ms",
               ms(encoded_at - started), "paused_for_requests_ms", ms(paused), "upload_ms",
               ms(published_at - encoded_at));
  return OkStatus();
}

Result<block::EncodedBlock> Ingester::EncodeHead(const std::string& tenant, const head::Head& head,
                                                 uint64_t wal_end, base::Pacer* pacer) const {
  block::BlockMeta meta;
  meta.ulid = base::Ulid::New(clock_.Now()).ToString();
  meta.tenant = tenant;
  meta.sources = {meta.ulid};
  meta.wal_segment_end = wal_end;
  meta.source = options_.source;
  return block::EncodeBlock(head, meta,
                            {.prune_symbols = options_.carry_symbols_bytes > 0, .pacer = pacer});
}

Result<metastore::BlockRef> Ingester::Store(const block::EncodedBlock& encoded) {
  if (uploader_ != nullptr) return uploader_->Stage(encoded);
  // The data first, meta.json last: a block without meta.json is an unfinished upload.
  FLAMEDB_RETURN_IF_ERROR(bucket_.Put(metastore::DataKey(encoded.meta), encoded.data));
  FLAMEDB_RETURN_IF_ERROR(
      bucket_.Put(metastore::MetaKey(encoded.meta), block::MetaToJson(encoded.meta)));
  return metastore::OpenBlock(bucket_, encoded.meta, options_.symbol_cache);
}

size_t Ingester::LiveHeadBytes() const {
  size_t bytes = 0;
  base::MutexLock lock(mu_);
  for (const auto& [name, tenant] : tenants_) {
    if (tenant.head != nullptr) bytes += tenant.head->MemoryBytes();
  }
  return bytes;
}

bool Ingester::ShouldCut() const {
  const auto now = clock_.SteadyNow();
  bool old = false;
  {
    base::MutexLock lock(mu_);
    for (const auto& [name, tenant] : tenants_) {
      old = old || (tenant.head != nullptr && tenant.head->rows() > 0 &&
                    now - tenant.head_started >= options_.max_block_duration);
    }
  }
  const size_t bytes = LiveHeadBytes();
  head_bytes_.Set(static_cast<double>(bytes));
  return old || bytes >= options_.max_head_bytes;
}

Result<bool> Ingester::CutIfDue() {
  if (!ShouldCut()) {
    return false;
  }
  if (options_.demand == nullptr) {
    FLAMEDB_RETURN_IF_ERROR(Flush());
    return true;
  }
  // Gives way to requests until the heads that took this cut's place hold a quarter of what
  // triggers a cut: under a load above what the cores can take, the next cut is then never
  // more than that behind, and memory stays near two heads' worth.
  const int cores = base::UsableCores();
  base::DemandPacer pacer(
      *options_.demand, clock_,
      {.cores = cores, .hurry = [this] { return LiveHeadBytes() >= options_.max_head_bytes / 4; }});
  FLAMEDB_RETURN_IF_ERROR(CutHeads(&pacer));
  return true;
}

void Ingester::Loop(std::stop_token stop) {
  base::RunEvery(stop, options_.cut_check_interval, [&] {
    if (Result<bool> cut = CutIfDue(); !cut.ok()) {
      logger_.Error("head cut failed", "err", cut.status());
    }
  });
}

Status Ingester::Shutdown() {
  loop_.request_stop();
  if (loop_.joinable()) loop_.join();
  {
    base::WriterLock append(append_mu_);
    base::MutexLock lock(mu_);
    shut_down_ = true;
  }
  FLAMEDB_RETURN_IF_ERROR(CutHeads(nullptr));
  if (uploader_ != nullptr) {
    uploader_->Stop();
    // One more pass; what still fails stays staged and goes up after the next start.
    if (Status s = uploader_->UploadPending(); !s.ok()) {
      logger_.Warn("blocks not uploaded at shutdown stay on local disk", "blocks",
                   uploader_->pending(), "err", s);
    }
  }
  return OkStatus();
}

}  // namespace flamedb::ingester
