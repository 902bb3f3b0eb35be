// The block index (Pyroscope v2's metastore): which blocks exist per tenant, with their metas
// and open readers. Queries plan from it and never list the bucket per query; the ingester
// adds what it cuts, the compactor swaps merged blocks in for their sources and takes out what
// retention drops. One interface: the embedded implementation (embedded_index.h) serves the
// single binary; cluster mode adds one on etcd.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "block/meta.h"
#include "block/reader.h"
#include "block/symbol_cache.h"
#include "objstore/bucket.h"

namespace flamedb::metastore {

// A block the index knows: its meta and an open reader.
struct LoadedBlock {
  block::BlockMeta meta;
  // Null in an index that does not open other processes' blocks
  // (EtcdIndexOptions::open_blocks).
  std::unique_ptr<block::BlockReader> reader;
  // On the ingester's local disk, not in the bucket yet (ingester/uploader.h): readable, but
  // neither merged nor taken out by a refresh.
  bool staged = false;
};
using BlockRef = std::shared_ptr<const LoadedBlock>;

// Thread-safe. Every change is one step for readers: a list from Blocks() is either before or
// after it, never half.
class BlockIndex {
 public:
  virtual ~BlockIndex() = default;

  // The blocks of `tenant` now (a copy: later changes do not touch it).
  virtual std::vector<BlockRef> Blocks(std::string_view tenant) const = 0;
  virtual std::vector<std::string> Tenants() const = 0;
  // Errors (the etcd index only): kUnavailable, etcd's; the block is then not in the index.
  virtual Status Add(BlockRef block) = 0;
  // Add of several blocks of different tenants (a segment's). Each tenant's block is added in
  // one step; the etcd index adds up to dozens in one transaction. `*added` says how many of
  // `blocks`, from the first, are in the index, also on error (a retry adds the rest). Errors
  // as Add's.
  virtual Status AddAll(std::vector<BlockRef> blocks, size_t* added);
  // Puts `merged` in and takes every block named in `sources` out, in one step. Returns the
  // blocks taken out, or nullopt (and changes nothing) when one of `sources` is gone.
  virtual Result<std::optional<std::vector<BlockRef>>> Replace(
      std::string_view tenant, const std::set<std::string>& sources, BlockRef merged) = 0;
  // Takes out and returns the blocks of `tenant` whose meta satisfies `pred`.
  virtual Result<std::vector<BlockRef>> RemoveIf(
      std::string_view tenant, const std::function<bool(const block::BlockMeta&)>& pred) = 0;
  // Every WAL record of `tenant` that the writer `source` (BlockMeta::source) wrote in a
  // segment below this number is in a block of the index. The single binary has one writer:
  // the embedded index answers the highest wal_segment_end of the tenant's blocks, whatever
  // their source (compaction keeps the highest of its inputs).
  virtual Result<uint64_t> WalSegmentEnd(std::string_view source, std::string_view tenant) const;

  // Compaction jobs, for several compactors over one index (cluster mode's compaction-workers).
  // A job is one planned merge, named the same by every process that plans it (compactor's
  // JobId). ClaimJob makes it this process's for as long as its lease lives: true, or false
  // when another process holds it. CommitJob is Replace done only while the claim holds (a lost
  // lease: nullopt, nothing changes, and the caller discards its result); it ends the claim.
  // ReleaseJob ends a claim without a swap. The embedded index serves one compactor: every
  // claim is granted and CommitJob is Replace.
  // Errors (the etcd index only): kUnavailable, etcd's; kFailedPrecondition without a lease.
  virtual Result<bool> ClaimJob(std::string_view job);
  virtual Result<std::optional<std::vector<BlockRef>>> CommitJob(
      std::string_view job, std::string_view tenant, const std::set<std::string>& sources,
      BlockRef merged);
  virtual Status ReleaseJob(std::string_view job);
};

// The key prefix of a block, "<tenant>/<ulid>/", and of its two objects. The data of a block
// inside a segment object is that object (BlockMeta::object), and such a block has no
// meta.json in the bucket: the index holds its meta.
std::string BlockDir(const block::BlockMeta& meta);
std::string DataKey(const block::BlockMeta& meta);
std::string MetaKey(const block::BlockMeta& meta);
// The block's data for reading, wherever it is.
std::unique_ptr<block::ByteSource> DataSource(objstore::Bucket& bucket,
                                              const block::BlockMeta& meta);

// Segment objects: a segment-writer's cut of every tenant in one object,
// "~segments/<ulid>.seg" ('~' is not allowed in tenant ids, so no tenant's keys look alike).
inline constexpr std::string_view kSegmentPrefix = "~segments/";
inline constexpr std::string_view kSegmentSuffix = ".seg";
std::string SegmentKey(std::string_view ulid);

// The block `meta` describes, opened for reading from `bucket` (its data is read by range).
// `cache` may be null. Errors: kDataLoss (damaged), the bucket's.
Result<BlockRef> OpenBlock(objstore::Bucket& bucket, block::BlockMeta meta,
                           block::SymbolCache* cache);
// OpenBlock of a block just put in the bucket, whose bytes are `written`: opening it reads
// them instead of the bucket; later reads go to the bucket.
Result<BlockRef> OpenWrittenBlock(objstore::Bucket& bucket, block::BlockMeta meta,
                                  std::string_view written, block::SymbolCache* cache);

// Deletes a block's objects: meta.json first, so a block half deleted is never loaded again.
Status DeleteBlock(objstore::Bucket& bucket, const block::BlockMeta& meta);

}  // namespace flamedb::metastore
