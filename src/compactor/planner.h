// Which blocks of a tenant to merge (design §5 "compactor"): blocks grow by levels, each level
// covering aligned windows of a longer time range, as Pyroscope's -compactor.block-ranges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/duration.h"
#include "block/meta.h"

namespace flamedb::compactor {

struct PlanOptions {
  // Range i merges the blocks of level <= i + 1 whose min time falls in one aligned window of
  // ranges[i] into one block of level i + 2. Ascending.
  std::vector<base::Duration> ranges = {std::chrono::hours(1), std::chrono::hours(2),
                                        std::chrono::hours(8)};
  // A window is merged once it ended this long ago (the heads that hold its data have been
  // cut), or earlier when its blocks already reach max_output_bytes.
  base::Duration settle = std::chrono::hours(1);
  // The inputs of one merge sum to at most this many block.bin bytes (two blocks at least).
  uint64_t max_output_bytes = 4ull << 30;
  // A window that holds this many blocks to merge is merged before it settles (0: never).
  // Cluster mode's segments come every half second: without it the index would hold thousands
  // of them per tenant until the window ends. What arrives later in the window is merged with
  // the result at the next level.
  size_t max_window_blocks = 0;
};

struct PlannedMerge {
  std::vector<block::BlockMeta> inputs;  // Ordered by min time; two or more.
  int level = 0;                         // Of the new block.
  int64_t window_start_nanos = 0;        // Of the aligned window the inputs fall in.
};

// A merge's name for compaction jobs, the same in every process that plans it:
// "<tenant>/<level>/<window start ns>".
std::string JobId(const PlannedMerge& merge);

// The merges for `blocks` (one tenant's, any order) at `now_nanos`: at most one per window,
// the shortest ranges first, no block in two merges.
std::vector<PlannedMerge> Plan(std::vector<block::BlockMeta> blocks, int64_t now_nanos,
                               const PlanOptions& options = {});

}  // namespace flamedb::compactor
