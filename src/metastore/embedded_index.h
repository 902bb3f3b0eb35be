// The block index of the single binary: held in memory, loaded from the bucket at start and
// refreshed from it on demand (blocks that another process wrote or deleted).
#pragma once

#include <map>

#include "base/logging.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "metastore/block_index.h"

namespace flamedb::metastore {

struct EmbeddedIndexOptions {
  // The decoded symbol partitions of every block (null: each block keeps its own). Must
  // outlive the index.
  block::SymbolCache* symbol_cache = nullptr;
};

class EmbeddedIndex final : public BlockIndex {
 public:
  // Lists the bucket and opens every block that has a meta.json. A block without one is an
  // upload a crash cut short (meta.json goes last): its data is deleted, since the one writer
  // of the single binary still has the profiles in its WAL. A damaged block is logged,
  // counted and skipped. Errors: the bucket's.
  static Result<std::unique_ptr<EmbeddedIndex>> Load(objstore::Bucket& bucket,
                                                     const EmbeddedIndexOptions& options,
                                                     base::Logger& logger,
                                                     base::MetricsRegistry& metrics);

  // Lists the bucket again: opens blocks it does not know yet, and drops the blocks that are
  // gone (not those added since the listing began). Returns how many changed.
  Result<size_t> Refresh() EXCLUDES(mu_);

  std::vector<BlockRef> Blocks(std::string_view tenant) const override EXCLUDES(mu_);
  std::vector<std::string> Tenants() const override EXCLUDES(mu_);
  Status Add(BlockRef block) override EXCLUDES(mu_);
  Result<std::optional<std::vector<BlockRef>>> Replace(std::string_view tenant,
                                                       const std::set<std::string>& sources,
                                                       BlockRef merged) override EXCLUDES(mu_);
  Result<std::vector<BlockRef>> RemoveIf(
      std::string_view tenant, const std::function<bool(const block::BlockMeta&)>& pred) override
      EXCLUDES(mu_);
  size_t size() const EXCLUDES(mu_);

 private:
  struct Entry {
    BlockRef block;
    uint64_t added = 0;  // Sequence number of the change that added it.
  };
  EmbeddedIndex(objstore::Bucket& bucket, const EmbeddedIndexOptions& options,
                base::Logger& logger, base::MetricsRegistry& metrics);
  // The metas of every complete block in the bucket, by ULID. Deletes incomplete uploads.
  Result<std::map<std::string, block::BlockMeta>> ListBlocks();

  objstore::Bucket& bucket_;
  const EmbeddedIndexOptions options_;
  base::Logger& logger_;
  base::Counter& damaged_;
  mutable base::Mutex mu_;
  // Tenant -> ULID -> block.
  std::map<std::string, std::map<std::string, Entry>, std::less<>> tenants_ GUARDED_BY(mu_);
  uint64_t sequence_ GUARDED_BY(mu_) = 0;
};

}  // namespace flamedb::metastore
