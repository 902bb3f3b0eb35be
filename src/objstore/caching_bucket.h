// Range reads of a remote bucket served from bounded caches (design §5 "bucket"): a block's
// footer, index, symbol partitions and row chunks are read by range, and a repeated query asks
// for the same ranges, so it should not download them again. Two tiers: memory (LRU by bytes)
// and, optionally, local disk, which survives a restart.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "base/mutex.h"
#include "objstore/forwarding_bucket.h"

namespace flamedb::objstore {

struct CacheOptions {
  uint64_t memory_bytes = 256ull << 20;  // 0: no memory tier.
  std::string disk_dir{};                // Empty: no disk tier.
  uint64_t disk_bytes = 10ull << 30;
};

// Thread-safe. Only GetRange is cached: objects are immutable once written (blocks), and a Put
// or Delete of a key drops what is cached of it, so this process never reads a stale range.
// Get, List and Exists go straight to the inner bucket.
class CachingBucket final : public ForwardingBucket {
 public:
  // Scans `options.disk_dir` (created if missing) for what an earlier run cached.
  // `metrics` (may be null) gets flamedb_objstore_cache_*; it must outlive the bucket.
  // Errors: kFailedPrecondition (the disk directory cannot be made).
  static Result<std::unique_ptr<CachingBucket>> Open(std::unique_ptr<Bucket> inner,
                                                     const CacheOptions& options,
                                                     base::MetricsRegistry* metrics);

  Result<std::string> GetRange(std::string_view key, uint64_t offset, uint64_t length) override
      EXCLUDES(mu_);
  Status Put(std::string_view key, std::string_view data) override EXCLUDES(mu_);
  Status PutFile(std::string_view key, const std::string& path) override EXCLUDES(mu_);
  Status Delete(std::string_view key) override EXCLUDES(mu_);
  Status DeleteMany(const std::vector<std::string>& keys) override EXCLUDES(mu_);
  std::string Describe() const override { return ForwardingBucket::Describe() + " (cached)"; }

  uint64_t memory_bytes() const EXCLUDES(mu_);
  uint64_t disk_bytes() const EXCLUDES(mu_);

 private:
  // "<object key>\0<offset>-<length>": the ranges of one object are neighbours in a map.
  using Key = std::string;
  using Lru = std::list<Key>;
  CachingBucket(std::unique_ptr<Bucket> inner, const CacheOptions& options,
                base::MetricsRegistry* metrics);
  Status ScanDisk() EXCLUDES(mu_);
  std::string DiskPath(const Key& key) const;
  Result<std::string> ReadDisk(const Key& key) const;
  void WriteDisk(const Key& key, const std::string& data) EXCLUDES(mu_);
  void InsertMemory(const Key& key, const std::string& data) EXCLUDES(mu_);
  void EvictMemory() REQUIRES(mu_);
  void EvictDisk() REQUIRES(mu_);
  void Forget(std::string_view object) EXCLUDES(mu_);

  const CacheOptions options_;
  mutable base::Mutex mu_;
  std::map<Key, std::string> memory_ GUARDED_BY(mu_);
  Lru memory_lru_ GUARDED_BY(mu_);  // Most recently used first.
  std::map<Key, Lru::iterator> memory_pos_ GUARDED_BY(mu_);
  uint64_t memory_used_ GUARDED_BY(mu_) = 0;
  std::map<Key, uint64_t> disk_ GUARDED_BY(mu_);  // Key -> file size.
  Lru disk_lru_ GUARDED_BY(mu_);
  std::map<Key, Lru::iterator> disk_pos_ GUARDED_BY(mu_);
  uint64_t disk_used_ GUARDED_BY(mu_) = 0;
  base::Counter* memory_hits_ = nullptr;
  base::Counter* disk_hits_ = nullptr;
  base::Counter* misses_ = nullptr;
  base::Counter* fetched_bytes_ = nullptr;
};

}  // namespace flamedb::objstore
