#include "ingester/uploader.h"

#include <algorithm>

#include "block/bytes.h"
#include "block/meta.h"

namespace flamedb::ingester {

Uploader::Uploader(const UploaderOptions& options, objstore::Bucket& bucket,
                   metastore::BlockIndex& index, const base::Clock& clock, base::Logger& logger,
                   base::MetricsRegistry& metrics)
    : options_(options),
      bucket_(bucket),
      index_(index),
      clock_(clock),
      logger_(logger),
      uploaded_(metrics.AddCounter("flamedb_ingester_blocks_uploaded_total",
                                   "Blocks cut to local disk and then uploaded to the bucket.")),
      failures_(metrics.AddCounter(
          "flamedb_ingester_upload_failures_total",
          "Block uploads that failed (the block stays on local disk and is retried).")) {
  metrics.AddCallback("flamedb_ingester_uploads_pending",
                      "Blocks on local disk waiting for their upload to the bucket.",
                      base::MetricType::kGauge, [this] { return static_cast<double>(pending()); });
  metrics.AddCallback("flamedb_ingester_upload_lag_seconds",
                      "How long the oldest block waiting for upload has waited (0: none waits).",
                      base::MetricType::kGauge, [this] { return LagSeconds(); });
}

Uploader::~Uploader() { Stop(); }

Result<std::unique_ptr<Uploader>> Uploader::Open(const UploaderOptions& options,
                                                 objstore::Bucket& bucket,
                                                 metastore::BlockIndex& index,
                                                 const base::Clock& clock, base::Logger& logger,
                                                 base::MetricsRegistry& metrics) {
  std::unique_ptr<Uploader> uploader(new Uploader(options, bucket, index, clock, logger, metrics));
  FLAMEDB_ASSIGN_OR_RETURN(uploader->staging_, objstore::FilesystemBucket::Open(options.staging_dir));
  return uploader;
}

size_t Uploader::pending() const {
  base::MutexLock lock(mu_);
  return queue_.size();
}

double Uploader::LagSeconds() const {
  base::MutexLock lock(mu_);
  if (queue_.empty()) return 0;
  return std::chrono::duration<double>(clock_.SteadyNow() - queue_.front().since).count();
}

Result<metastore::BlockRef> Uploader::OpenStaged(const block::BlockMeta& meta) const {
  auto loaded = std::make_shared<metastore::LoadedBlock>();
  FLAMEDB_ASSIGN_OR_RETURN(std::unique_ptr<block::ByteSource> file,
                           block::MappedFile(staging_->dir() + "/" + metastore::DataKey(meta)));
  FLAMEDB_ASSIGN_OR_RETURN(loaded->reader,
                           block::BlockReader::Open(std::move(file),
                                                    {.symbol_cache = options_.symbol_cache}));
  loaded->meta = meta;
  loaded->staged = true;
  return metastore::BlockRef(std::move(loaded));
}

Result<metastore::BlockRef> Uploader::Stage(const block::EncodedBlock& encoded) {
  // As in the bucket: data first, meta.json last; each put is synced.
  FLAMEDB_RETURN_IF_ERROR(staging_->Put(metastore::DataKey(encoded.meta), encoded.data));
  FLAMEDB_RETURN_IF_ERROR(
      staging_->Put(metastore::MetaKey(encoded.meta), block::MetaToJson(encoded.meta)));
  FLAMEDB_ASSIGN_OR_RETURN(metastore::BlockRef ref, OpenStaged(encoded.meta));
  base::MutexLock lock(mu_);
  queue_.push_back({.meta = encoded.meta, .since = clock_.SteadyNow()});
  return ref;
}

void Uploader::CutStaged(uint64_t wal_end) {
  base::MutexLock lock(mu_);
  staged_cuts_.push_back(wal_end);
  wake_requested_ = true;
  wake_.NotifyAll();
}

Status Uploader::Recover() {
  FLAMEDB_ASSIGN_OR_RETURN(objstore::ListResult all, staging_->List("", ""));
  size_t requeued = 0;
  for (const objstore::ObjectInfo& o : all.objects) {
    if (!o.key.ends_with("/" + std::string(block::kDataFile))) continue;
    const std::string dir = o.key.substr(0, o.key.size() - block::kDataFile.size());
    Result<std::string> json = staging_->Get(dir + std::string(block::kMetaFile));
    Result<block::BlockMeta> meta = json.ok() ? block::MetaFromJson(*json) : json.status();
    if (!meta.ok()) {
      // Staging was cut short: the WAL was not truncated, so it still has these profiles.
      logger_.Warn("incomplete staged block removed", "block", dir, "err", meta.status());
      FLAMEDB_RETURN_IF_ERROR(staging_->Delete(dir + std::string(block::kMetaFile)));
      FLAMEDB_RETURN_IF_ERROR(staging_->Delete(o.key));
      continue;
    }
    const std::vector<metastore::BlockRef> known = index_.Blocks(meta->tenant);
    if (std::any_of(known.begin(), known.end(),
                    [&](const metastore::BlockRef& b) { return b->meta.ulid == meta->ulid; })) {
      logger_.Info("staged block already in the bucket; local copy removed", "block", dir);
      FLAMEDB_RETURN_IF_ERROR(metastore::DeleteBlock(*staging_, *meta));
      continue;
    }
    FLAMEDB_ASSIGN_OR_RETURN(metastore::BlockRef ref, OpenStaged(*meta));
    FLAMEDB_RETURN_IF_ERROR(index_.Add(std::move(ref)));
    base::MutexLock lock(mu_);
    queue_.push_back({.meta = std::move(*meta), .since = clock_.SteadyNow()});
    ++requeued;
  }
  base::MutexLock lock(mu_);
  // Cut order is WAL order: the uploads and the truncation after them keep it.
  std::sort(queue_.begin(), queue_.end(), [](const Pending& a, const Pending& b) {
    return a.meta.wal_segment_end < b.meta.wal_segment_end;
  });
  if (requeued > 0) logger_.Info("staged blocks waiting for upload", "blocks", requeued);
  return OkStatus();
}

Status Uploader::Upload(const block::BlockMeta& meta) {
  const std::string local = staging_->dir() + "/" + metastore::DataKey(meta);
  FLAMEDB_RETURN_IF_ERROR(bucket_.PutFile(metastore::DataKey(meta), local));
  FLAMEDB_ASSIGN_OR_RETURN(std::string json, staging_->Get(metastore::MetaKey(meta)));
  FLAMEDB_RETURN_IF_ERROR(bucket_.Put(metastore::MetaKey(meta), json));
  // Queries read the bucket from now on; one still reading the local file keeps its mapping.
  FLAMEDB_ASSIGN_OR_RETURN(metastore::BlockRef remote,
                           metastore::OpenBlock(bucket_, meta, options_.symbol_cache));
  FLAMEDB_ASSIGN_OR_RETURN(auto replaced,
                           index_.Replace(meta.tenant, {meta.ulid}, std::move(remote)));
  (void)replaced;  // Gone (retention took the staged block): nothing to swap.
  return metastore::DeleteBlock(*staging_, meta);
}

Status Uploader::UploadPending() {
  base::MutexLock upload(upload_mu_);
  size_t done = 0;
  while (true) {
    block::BlockMeta next;
    {
      base::MutexLock lock(mu_);
      if (queue_.empty()) break;
      next = queue_.front().meta;
    }
    const auto started = clock_.SteadyNow();
    if (Status s = Upload(next); !s.ok()) {
      failures_.Inc();
      failing_ = true;
      logger_.Warn("block upload failed; it stays on local disk and is retried", "block",
                   metastore::BlockDir(next), "pending", pending(), "lag_seconds",
                   static_cast<int64_t>(LagSeconds()), "err", s);
      Truncate();
      return s;
    }
    {
      base::MutexLock lock(mu_);
      queue_.pop_front();
    }
    ++done;
    uploaded_.Inc();
    logger_.Debug("block uploaded", "block", metastore::BlockDir(next), "bytes",
                  next.data_bytes, "duration_ms",
                  static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           clock_.SteadyNow() - started)
                                           .count()));
  }
  if (failing_ && done > 0) {
    logger_.Info("block uploads caught up", "blocks", done);
    failing_ = false;
  }
  Truncate();
  return OkStatus();
}

void Uploader::Truncate() {
  if (wal_ == nullptr) return;
  uint64_t target = 0;
  {
    base::MutexLock lock(mu_);
    // A cut's boundary is safe once no block at or below it waits.
    const uint64_t first_waiting = queue_.empty() ? UINT64_MAX : queue_.front().meta.wal_segment_end;
    for (const uint64_t b : staged_cuts_) {
      if (b < first_waiting) target = std::max(target, b);
    }
    std::erase_if(staged_cuts_, [&](uint64_t b) { return b <= target; });
  }
  if (target <= truncated_) return;
  if (Status s = wal_->Truncate(target); !s.ok()) {
    logger_.Error("wal truncation failed", "below_segment", target, "err", s);
    return;
  }
  truncated_ = target;
  logger_.Info("wal truncated", "below_segment", target);
}

void Uploader::Start(wal::Wal& wal) {
  wal_ = &wal;
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

void Uploader::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  {
    base::MutexLock lock(mu_);
    wake_requested_ = true;
    wake_.NotifyAll();
  }
  thread_.join();
}

void Uploader::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    const bool failed = !UploadPending().ok();
    base::MutexLock lock(mu_);
    // After a failure, wait the retry interval unless stopped; otherwise until there is work.
    const auto deadline = std::chrono::steady_clock::now() +
                          (failed ? options_.retry_interval : base::Duration(std::chrono::hours(24)));
    wake_.WaitUntil(mu_, deadline, [&]() REQUIRES(mu_) {
      return stop.stop_requested() || (wake_requested_ && !failed);
    });
    wake_requested_ = false;
  }
}

}  // namespace flamedb::ingester
