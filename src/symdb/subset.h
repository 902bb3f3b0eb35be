// The part of a partition that some of its stacks need. A segment-writer's heads keep the
// symbols of earlier segments (Partition::CopyFrom), so a segment's block must hold only what
// its own rows use, as if its head had started empty (block::EncodeBlockTo with
// WriteOptions::prune_symbols).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"
#include "symdb/partition.h"

namespace flamedb::symdb {

struct Subset {
  std::unique_ptr<Partition> partition;  // Read-only (a FromColumns partition).
  std::vector<uint32_t> stack_ids;       // Old stack id -> new; kMissing where not kept.
  static constexpr uint32_t kMissing = UINT32_MAX;
};

// The stacks `used` marks (indexed by stack id; entries past its end are unused), their
// ancestors, and the locations, functions, mappings and strings they refer to, each table
// renumbered densely in its old order (entry 0, the empty one, stays 0).
// Errors: kDataLoss only if `p` breaks its own invariants.
Result<Subset> SubsetOf(const Partition& p, std::vector<uint8_t> used);

}  // namespace flamedb::symdb
