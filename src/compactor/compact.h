// Merging blocks of one tenant into one (design §5 "compactor"): the engine that both the
// ingester's compaction loop and the benchmarks run.
#pragma once

#include <cstdint>
#include <span>
#include <stop_token>
#include <string>

#include "base/status.h"
#include "block/meta.h"
#include "block/writer.h"
#include "objstore/bucket.h"

namespace flamedb::compactor {

struct CompactOptions {
  // The new block.bin is written to a file here, then copied into the bucket: memory does not
  // grow with the block. Empty: the system's temporary directory.
  std::string scratch_dir;
  // Bytes of source symbol partitions kept decoded while the merged symbols are built.
  uint64_t symbol_cache_bytes = 64ull << 20;
  block::WriteOptions write{};
  int level = 0;  // Of the new block; 0: one above the highest input.
  // A stop request ends the merge at its next section with kCancelled (server shutdown).
  std::stop_token stop{};
};

struct Compacted {
  block::BlockMeta meta;     // Of the new block, as uploaded.
  uint64_t input_bytes = 0;  // block.bin bytes of the sources.
  uint64_t duplicates = 0;   // Rows held by two sources (replicas), written once.
};

// Merges `inputs` (the metas of blocks of one tenant in `bucket`) into the new block `ulid`:
// level one above the highest input, `sources` the union of theirs. Uploads block.bin and
// then meta.json, as a cut does; the inputs stay, for the caller to retire once readers have
// the new block. Memory: the merged symbols, one series' rows and one chunk per input.
// Errors: kInvalidArgument (no inputs, or two tenants); kCancelled (options.stop); those of
// the bucket and of the blocks (kDataLoss for damage). A failed merge leaves no new block.
Result<Compacted> CompactBlocks(objstore::Bucket& bucket, std::span<const block::BlockMeta> inputs,
                                std::string ulid, const CompactOptions& options = {});

}  // namespace flamedb::compactor
