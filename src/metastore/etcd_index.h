// The block index of cluster mode, kept in etcd so that every process sees one index: the
// segment-writers add what they write, the compaction-workers swap merged blocks in for their
// sources, retention takes blocks out, and the query path reads it. Each change is one etcd
// transaction, so no reader ever sees a profile twice (sources and their merge together) or
// misses one (a merge without its sources' removal).
//
// Keys, under the cluster's prefix:
//   index/blocks/<tenant>/<ulid>   the block's meta (docs/block-format.md, meta.json)
//   index/wal/<source>/<tenant>    a writer's WAL segment end for the tenant (WalSegmentEnd),
//                                  written in the same transaction as the writer's block
//
// Every process keeps the index in memory with each block opened for reading, and reads etcd
// again on Refresh() (a loop calls it; the process's own changes show at once). Blocks staged on
// a writer's local disk (LoadedBlock::staged) stay in that writer's memory only: no other
// process could read them.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/logging.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include <stop_token>
#include <thread>

#include "etcd/client.h"
#include "metastore/block_index.h"

namespace flamedb::metastore {

struct EtcdIndexOptions {
  std::string prefix = "/flamedb/";
  // The decoded symbol partitions of every block (null: each block keeps its own). Must
  // outlive the index.
  block::SymbolCache* symbol_cache = nullptr;
  // Compaction jobs: who claims them (this process's member id) and under which etcd lease
  // (its membership's; 0 while it has none). A claim dies with the lease.
  std::string owner{};
  std::function<int64_t()> lease{};
  // Whether blocks other processes add are opened (their footer, TOC and series index read
  // from the bucket) as they arrive. Only processes that read blocks' rows need that (query
  // frontends and backends); the others plan from metas alone, and opening each new segment
  // in every process cost each about 5 ms/s at 500 profiles/s. False: such blocks have no
  // reader (LoadedBlock::reader is null).
  bool open_blocks = true;
};

// Thread-safe.
class EtcdIndex final : public BlockIndex {
 public:
  // Reads the index and opens its blocks. Errors: etcd's, the bucket's.
  static Result<std::unique_ptr<EtcdIndex>> Open(etcd::Client& client, objstore::Bucket& bucket,
                                                 EtcdIndexOptions options, base::Logger& logger,
                                                 base::MetricsRegistry& metrics);

  ~EtcdIndex() override;

  // Reads the index from etcd again: opens the blocks it does not know yet and drops those
  // gone. Returns how many changed.
  Result<size_t> Refresh() EXCLUDES(mu_);
  // Keeps the memory copy current from an etcd watch of the index keys, in a thread of its own,
  // until the index is destroyed: a block another process adds or removes shows here within
  // milliseconds. When the watch fails, or etcd compacted the history it needs, the index is
  // read whole again (Refresh) and watched from there.
  void StartWatching() EXCLUDES(mu_);

  std::vector<BlockRef> Blocks(std::string_view tenant) const override EXCLUDES(mu_);
  std::vector<std::string> Tenants() const override EXCLUDES(mu_);
  Status Add(BlockRef block) override EXCLUDES(mu_);
  Status AddAll(std::vector<BlockRef> blocks, size_t* added) override EXCLUDES(mu_);
  Result<std::optional<std::vector<BlockRef>>> Replace(std::string_view tenant,
                                                       const std::set<std::string>& sources,
                                                       BlockRef merged) override EXCLUDES(mu_);
  Result<std::vector<BlockRef>> RemoveIf(
      std::string_view tenant, const std::function<bool(const block::BlockMeta&)>& pred) override
      EXCLUDES(mu_);
  Result<uint64_t> WalSegmentEnd(std::string_view source, std::string_view tenant) const override;
  // Keys: <prefix>compaction/jobs/<job> = owner, under the owner's lease.
  Result<bool> ClaimJob(std::string_view job) override;
  Result<std::optional<std::vector<BlockRef>>> CommitJob(std::string_view job,
                                                         std::string_view tenant,
                                                         const std::set<std::string>& sources,
                                                         BlockRef merged) override EXCLUDES(mu_);
  Status ReleaseJob(std::string_view job) override;
  // The claimed jobs and their owners (for /ring). Errors: etcd's.
  Result<std::vector<std::pair<std::string, std::string>>> Jobs() const;
  size_t size() const EXCLUDES(mu_);

  std::string BlockKey(std::string_view tenant, std::string_view ulid) const;
  std::string WalKey(std::string_view source, std::string_view tenant) const;

 private:
  // A block another process added, opened or not (options_.open_blocks).
  Result<BlockRef> Load(const block::BlockMeta& meta) const;
  EtcdIndex(etcd::Client& client, objstore::Bucket& bucket, EtcdIndexOptions options,
            base::Logger& logger, base::MetricsRegistry& metrics);
  std::string JobKey(std::string_view job) const;
  // Replace, with `compares` and `ops` added to its transaction.
  Result<std::optional<std::vector<BlockRef>>> ReplaceIf(std::string_view tenant,
                                                         const std::set<std::string>& sources,
                                                         BlockRef merged,
                                                         std::vector<etcd::Compare> compares,
                                                         std::vector<etcd::Op> ops)
      EXCLUDES(mu_);
  // Puts the block's entry (and its writer's WAL mark) in etcd; returns the revision.
  Result<int64_t> Put(const block::BlockMeta& meta);
  // Applies a change made at `revision` to the memory copy: `removed` out, then `added` in.
  void Publish(int64_t revision, const std::string& tenant, const std::set<std::string>& removed,
               BlockRef added) EXCLUDES(mu_);
  bool IsStaged(std::string_view tenant, std::string_view ulid) const EXCLUDES(mu_);
  bool IsKnown(std::string_view tenant, std::string_view ulid) const EXCLUDES(mu_);
  // Applies one batch of watched changes: puts open their blocks (outside the lock), deletes
  // take blocks out; a change older than what this copy already has of its key is skipped.
  void ApplyEvents(std::vector<etcd::WatchEvent> events) EXCLUDES(mu_);
  void Follow(std::stop_token stop);

  etcd::Client& client_;
  objstore::Bucket& bucket_;
  const EtcdIndexOptions options_;
  base::Logger& logger_;
  base::Counter& damaged_;
  mutable base::Mutex mu_;
  // Tenant -> ULID -> block: what etcd holds, and this process's staged blocks.
  std::map<std::string, std::map<std::string, BlockRef>, std::less<>> tenants_ GUARDED_BY(mu_);
  // The revision of the last change this process made: a refresh read at an older revision
  // would undo it in memory, so it is not applied.
  int64_t local_revision_ GUARDED_BY(mu_) = 0;
  // Every change up to this revision is in the copy (the last full read, or the watch).
  int64_t watched_ GUARDED_BY(mu_) = 0;
  // "<tenant>/<ulid>" -> the revision of the last change of that key in the copy, for keys
  // changed after watched_ (this process's own changes run ahead of the watch).
  std::map<std::string, int64_t> seen_ GUARDED_BY(mu_);
  std::jthread follow_;  // Last: stopped and joined first.
};

}  // namespace flamedb::metastore
