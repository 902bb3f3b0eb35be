// A symbol partition as a block section: column-wise tables (docs/block-format.md
// "Symbols"), with the stack tree renumbered in depth-first order so that parent references
// are small and related stacks get nearby ids.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "symdb/partition.h"

namespace flamedb::block {

// order[new id] = old id: the stack tree's nodes in depth-first preorder from the root, the
// children of a node ordered by their locations' content (function names, lines, files,
// address, mapping), which is the same in every partition. Node 0 (the root) stays 0.
std::vector<uint32_t> DepthFirstOrder(const symdb::Partition& partition);

// The uncompressed section of `partition`, its stack nodes in `order`.
std::string EncodeSymbols(const symdb::Partition& partition, const std::vector<uint32_t>& order);

// Errors: kDataLoss when the bytes do not decode or a reference is out of range.
Result<std::unique_ptr<symdb::Partition>> DecodeSymbols(std::string_view raw);

}  // namespace flamedb::block
