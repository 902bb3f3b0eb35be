// Turns a profile source (a cut head, or blocks being compacted) into a block: the data object
// and its meta.json (docs/block-format.md).
#pragma once

#include <string>
#include <string_view>

#include "base/cpu_demand.h"
#include "base/status.h"
#include "block/meta.h"
#include "store/source.h"

namespace flamedb::block {

struct WriteOptions {
  int zstd_level = 3;
  uint64_t chunk_rows = 4096;        // A row chunk is cut at this many rows...
  uint64_t chunk_samples = 1 << 20;  // ...or samples, whichever comes first.
  // Write only the symbols the rows use (and their ancestors' and references), as if the
  // source's partitions held nothing else: for heads that start from an earlier head's symbols
  // (a segment-writer's). Costs one more pass over the rows.
  bool prune_symbols = false;
  // Stepped between rows (null: never paused), so that a cut gives way to requests. Must
  // outlive the call.
  base::Pacer* pacer = nullptr;
};

struct EncodedBlock {
  std::string data;  // The block.bin object.
  BlockMeta meta;    // Complete: counts, label names, profile types, size and checksum.
};

// Where EncodeBlockTo puts the object's bytes, in order, as they are made: a file for
// compaction, so memory does not grow with the block.
class BlockSink {
 public:
  virtual ~BlockSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
};

// Series are renumbered in label order and rows sorted by (series, time); within a row, stacks
// are ascending with duplicates summed. `meta` supplies the identity fields (ulid, tenant,
// level, sources, source, wal_segment_end); the rest is filled in.
// REQUIRES: `source` does not change during the call (a cut head, or blocks).
// Errors: those of the source's reads; kFailedPrecondition if the source changed.
Result<EncodedBlock> EncodeBlock(const store::ProfileSource& source, BlockMeta meta,
                                 const WriteOptions& options = {});
// The same, writing the object to `sink` section by section and returning its meta. Memory:
// the series labels, the stack renumbering of every partition and one row chunk, whatever the
// block's size. Errors: also those of the sink.
Result<BlockMeta> EncodeBlockTo(const store::ProfileSource& source, BlockMeta meta,
                                BlockSink& sink, const WriteOptions& options = {});

}  // namespace flamedb::block
