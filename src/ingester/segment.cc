// Cluster mode's cut: the blocks of every tenant of a cut in one segment object, so that a
// segment-writer makes one PUT per segment duration however many tenants and services it
// serves (Pyroscope v2 makes one per shard). Each tenant's block is a byte range of the object
// (BlockMeta::object, object_offset); the compactor merges them out into blocks of their own
// and deletes the object once no block of the index is in it (compactor/segments.h).
#include <algorithm>

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
    block::BlockMeta meta;
    meta.ulid = base::Ulid::New(clock_.Now()).ToString();
    meta.tenant = tenant;
    meta.sources = {meta.ulid};
    meta.wal_segment_end = cut.wal_segment_end;
    meta.source = options_.source;
    FLAMEDB_ASSIGN_OR_RETURN(block::EncodedBlock encoded,
                             block::EncodeBlock(*head, meta, {.pacer = pacer}));
    encoded.meta.object = key;
    encoded.meta.object_offset = data.size();
    data += encoded.data;
    metas.push_back(std::move(encoded.meta));
  }
  if (metas.empty()) return OkStatus();
  const auto encoded_at = clock_.SteadyNow();
  FLAMEDB_RETURN_IF_ERROR(bucket_.Put(key, data));
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
    const Status added = index_.AddAll(blocks);
    for (const metastore::BlockRef& b : blocks) {
      // Also after a partial failure: the heads whose blocks made it are done.
      const std::vector<metastore::BlockRef> known = index_.Blocks(b->meta.tenant);
      const bool in = std::any_of(known.begin(), known.end(), [&](const metastore::BlockRef& k) {
        return k->meta.ulid == b->meta.ulid;
      });
      if (!in) continue;
      std::erase_if(tenants_[b->meta.tenant].cutting,
                    [&](const auto& h) { return h == cut.heads.at(b->meta.tenant); });
      blocks_cut_.Inc();
    }
    FLAMEDB_RETURN_IF_ERROR(added);
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
