// Blocks of a remote bucket are cut to local disk first and uploaded in the background, so that
// a slow or unreachable bucket never holds up a cut, pushes or queries (docs/storage.md, "When
// the bucket is unreachable"). The WAL segments a cut covers are deleted only once every block
// of that cut and of the cuts before it is in the bucket.
//
// Life of a staged block: written under the staging directory (block.bin, then meta.json, each
// synced), published in the index reading the local file, uploaded (block.bin, then meta.json),
// republished reading the bucket, deleted locally. A restart finds every step: a staged block
// without meta.json is dropped (the WAL still has its profiles), one the bucket already holds is
// deleted locally, any other is published again and queued for upload.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "block/symbol_cache.h"
#include "block/writer.h"
#include "metastore/block_index.h"
#include "objstore/filesystem_bucket.h"
#include "wal/wal.h"

namespace flamedb::ingester {

struct UploaderOptions {
  std::string staging_dir;
  // How long to wait before trying again after a failed upload.
  base::Duration retry_interval = std::chrono::seconds(5);
  block::SymbolCache* symbol_cache = nullptr;
};

// Thread-safe.
class Uploader {
 public:
  // Errors: kFailedPrecondition (the staging directory cannot be made).
  static Result<std::unique_ptr<Uploader>> Open(const UploaderOptions& options,
                                                objstore::Bucket& bucket,
                                                metastore::BlockIndex& index,
                                                const base::Clock& clock, base::Logger& logger,
                                                base::MetricsRegistry& metrics);
  ~Uploader();  // Stops the background thread.

  // At start, before the WAL is replayed: publishes in the index the staged blocks of an
  // earlier run that the bucket does not hold yet, and queues them. Errors: I/O.
  Status Recover() EXCLUDES(mu_);
  // Starts uploading in the background; `wal` is truncated as uploads complete cuts. It must
  // outlive the uploader.
  void Start(wal::Wal& wal);
  void Stop();

  // Writes `encoded` under the staging directory and returns it, readable from there, for the
  // caller to publish. Errors: I/O (the caller keeps the head and retries).
  Result<metastore::BlockRef> Stage(const block::EncodedBlock& encoded);
  // Every record of the WAL below segment `wal_end` is in a staged or uploaded block.
  void CutStaged(uint64_t wal_end) EXCLUDES(mu_);
  // Uploads every queued block in order, stopping at the first failure, which it returns.
  Status UploadPending() EXCLUDES(mu_, upload_mu_);

  size_t pending() const EXCLUDES(mu_);

 private:
  struct Pending {
    block::BlockMeta meta;
    std::chrono::steady_clock::time_point since;
  };
  Uploader(const UploaderOptions& options, objstore::Bucket& bucket,
           metastore::BlockIndex& index, const base::Clock& clock, base::Logger& logger,
           base::MetricsRegistry& metrics);
  Result<metastore::BlockRef> OpenStaged(const block::BlockMeta& meta) const;
  Status Upload(const block::BlockMeta& meta);
  // Deletes the WAL segments that every uploaded cut covers.
  void Truncate() REQUIRES(upload_mu_) EXCLUDES(mu_);
  double LagSeconds() const EXCLUDES(mu_);
  void Loop(std::stop_token stop);

  const UploaderOptions options_;
  objstore::Bucket& bucket_;
  metastore::BlockIndex& index_;
  const base::Clock& clock_;
  base::Logger& logger_;
  std::unique_ptr<objstore::FilesystemBucket> staging_;
  base::Counter& uploaded_;
  base::Counter& failures_;
  wal::Wal* wal_ = nullptr;

  base::Mutex upload_mu_;  // One upload pass at a time.
  uint64_t truncated_ GUARDED_BY(upload_mu_) = 0;
  bool failing_ GUARDED_BY(upload_mu_) = false;
  mutable base::Mutex mu_;
  std::deque<Pending> queue_ GUARDED_BY(mu_);  // In cut order.
  // WAL boundaries of cuts whose blocks are all staged, ascending.
  std::vector<uint64_t> staged_cuts_ GUARDED_BY(mu_);
  base::CondVar wake_;
  bool wake_requested_ GUARDED_BY(mu_) = false;
  std::jthread thread_;
};

}  // namespace flamedb::ingester
