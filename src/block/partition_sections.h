// The block writer's symbol sections (writer.cc): each partition of a source renumbered
// depth-first, optionally pruned to what the rows use. Internal to the block library.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/source.h"

namespace flamedb::block {

// How the source's stack and partition ids become the block's.
struct SymbolIds {
  // new_stack[partition][old stack id]: the depth-first position (symdb::Subset::kMissing for
  // unused stacks of a pruned partition).
  std::vector<std::vector<uint32_t>> new_stack;
  // new_partition[old]: the block's partition id. Pruning leaves out partitions no row uses
  // (symdb::Subset::kMissing).
  std::vector<uint32_t> new_partition;
};

// Calls `add` with each partition section to write, in the block's partition order. With
// `prune`, a section holds only the symbols the rows of `series` use (one more pass over the
// rows), and partitions without rows are left out.
// Errors: those of the source's reads; kFailedPrecondition if the source changed.
Result<SymbolIds> MakePartitionSections(
    const store::ProfileSource& source, const std::vector<uint32_t>& series, bool prune,
    const std::function<void(std::string name, uint64_t stacks, const std::string& raw)>& add);

}  // namespace flamedb::block
