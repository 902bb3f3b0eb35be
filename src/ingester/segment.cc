// Cluster mode's cut: the blocks of every tenant of a cut in one segment object, so that a
// segment-writer makes one PUT per segment duration however many tenants and services it
// serves (Pyroscope v2 makes one per shard). Each tenant's block is a byte range of the object
// (BlockMeta::object, object_offset); the compactor merges them out into blocks of their own
// and deletes the object once no block of the index is in it (compactor/segments.h).
#include "base/ulid.h"
#include "block/writer.h"
#include "ingester/ingester.h"

namespace flamedb::ingester {

Status Ingester::UploadSegment(const Cut& cut, base::Pacer* pacer) {
  const auto started = clock_.SteadyNow();
  const std::string key = metastore::SegmentKey(base::Ulid::New(clock_.Now()).ToString());
  std::string data;
  std::vector<block::BlockMeta> metas;
  for (const auto& [tenant, head] : cut.heads) {
    if (!Cutting(tenant, head.get())) continue;  // In the index since an earlier attempt.
    FLAMEDB_ASSIGN_OR_RETURN(block::EncodedBlock encoded,
                             EncodeHead(tenant, *head, cut.wal_segment_end, pacer));
    encoded.meta.object = key;
    encoded.meta.object_offset = data.size();
    data += encoded.data;
    metas.push_back(std::move(encoded.meta));
  }
  if (metas.empty()) return OkStatus();
  const auto encoded_at = clock_.SteadyNow();
  FLAMEDB_RETURN_IF_ERROR(bucket_.Put(key, data));
  BucketReached();
  segments_cut_.Inc();
  std::vector<metastore::BlockRef> blocks;
  for (block::BlockMeta& meta : metas) {
    // From the bytes just put: reading back each tenant's footer and index would cost requests.
    const std::string_view written = std::string_view(data).substr(meta.object_offset, meta.data_bytes);
    FLAMEDB_ASSIGN_OR_RETURN(metastore::BlockRef block,
                             metastore::OpenWrittenBlock(bucket_, std::move(meta), written,
                                                         options_.symbol_cache));
    blocks.push_back(std::move(block));
  }
  {
    // One step for readers (ReadHeads), as in UploadHead: the heads leave as the blocks come.
    base::MutexLock lock(mu_);
    size_t added = 0;
    const Status s = index_.AddAll(blocks, &added);
    // Also after a partial failure: the heads whose blocks made it are done.
    for (size_t i = 0; i < added; ++i) {
      const std::string& tenant = blocks[i]->meta.tenant;
      std::erase_if(tenants_[tenant].cutting,
                    [&](const auto& h) { return h == cut.heads.at(tenant); });
      blocks_cut_.Inc();
    }
    FLAMEDB_RETURN_IF_ERROR(s);
  }
  const auto ms = [](base::Duration d) {
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  logger_.Info("segment cut", "object", key, "tenants", blocks.size(), "bytes", data.size(),
               "duration_ms", ms(clock_.SteadyNow() - started), "encode_ms",
               ms(encoded_at - started), "upload_ms", ms(clock_.SteadyNow() - encoded_at));
  return OkStatus();
}

}  // namespace flamedb::ingester
