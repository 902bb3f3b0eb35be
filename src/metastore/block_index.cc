#include "metastore/block_index.h"

#include <algorithm>

#include "block/bytes.h"
#include "block/format.h"

namespace flamedb::metastore {

std::string BlockDir(const block::BlockMeta& meta) { return meta.tenant + "/" + meta.ulid + "/"; }
std::string DataKey(const block::BlockMeta& meta) {
  if (!meta.object.empty()) return meta.object;
  return BlockDir(meta) + std::string(block::kDataFile);
}
std::string SegmentKey(std::string_view ulid) {
  return std::string(kSegmentPrefix) + std::string(ulid) + std::string(kSegmentSuffix);
}
std::unique_ptr<block::ByteSource> DataSource(objstore::Bucket& bucket,
                                              const block::BlockMeta& meta) {
  return block::BucketSource(bucket, DataKey(meta), meta.data_bytes, meta.object_offset);
}
std::string MetaKey(const block::BlockMeta& meta) {
  return BlockDir(meta) + std::string(block::kMetaFile);
}

Result<BlockRef> OpenBlock(objstore::Bucket& bucket, block::BlockMeta meta,
                           block::SymbolCache* cache) {
  auto loaded = std::make_shared<LoadedBlock>();
  FLAMEDB_ASSIGN_OR_RETURN(
      loaded->reader,
      block::BlockReader::Open(DataSource(bucket, meta), {.symbol_cache = cache}));
  loaded->meta = std::move(meta);
  return BlockRef(std::move(loaded));
}

Result<BlockRef> OpenWrittenBlock(objstore::Bucket& bucket, block::BlockMeta meta,
                                  std::string_view written, block::SymbolCache* cache) {
  if (written.size() != meta.data_bytes) {
    return InvalidArgumentError("block " + meta.ulid + ": " + std::to_string(written.size()) +
                                " bytes written, its meta says " +
                                std::to_string(meta.data_bytes));
  }
  auto source = std::make_unique<block::WrittenSource>(bucket, DataKey(meta), meta.data_bytes,
                                                       meta.object_offset, written);
  block::WrittenSource* opening = source.get();  // Owned by the reader from here on.
  auto loaded = std::make_shared<LoadedBlock>();
  FLAMEDB_ASSIGN_OR_RETURN(loaded->reader,
                           block::BlockReader::Open(std::move(source), {.symbol_cache = cache}));
  opening->Forget();  // Before anyone else reads: `written` is the caller's.
  loaded->meta = std::move(meta);
  return BlockRef(std::move(loaded));
}

Status DeleteBlock(objstore::Bucket& bucket, const block::BlockMeta& meta) {
  // Other tenants' blocks share a segment object: the compactor's sweep deletes it once no
  // block of the index is in it (compactor/segments.h).
  if (!meta.object.empty()) return OkStatus();
  FLAMEDB_RETURN_IF_ERROR(bucket.Delete(MetaKey(meta)));
  return bucket.Delete(DataKey(meta));
}

Status BlockIndex::AddAll(std::vector<BlockRef> blocks, size_t* added) {
  *added = 0;
  for (BlockRef& b : blocks) {
    FLAMEDB_RETURN_IF_ERROR(Add(std::move(b)));
    ++*added;
  }
  return OkStatus();
}

Result<uint64_t> BlockIndex::WalSegmentEnd(std::string_view /*source*/,
                                           std::string_view tenant) const {
  uint64_t end = 0;
  for (const BlockRef& b : Blocks(tenant)) end = std::max(end, b->meta.wal_segment_end);
  return end;
}

Result<bool> BlockIndex::ClaimJob(std::string_view /*job*/) { return true; }

Result<std::optional<std::vector<BlockRef>>> BlockIndex::CommitJob(
    std::string_view /*job*/, std::string_view tenant, const std::set<std::string>& sources,
    BlockRef merged) {
  return Replace(tenant, sources, std::move(merged));
}

Status BlockIndex::ReleaseJob(std::string_view /*job*/) { return OkStatus(); }

}  // namespace flamedb::metastore
