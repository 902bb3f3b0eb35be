// Copying the symbols of one partition into another: how blocks of one service are merged
// (compaction), where each source block numbered its symbols on its own.
#pragma once

#include <cstdint>
#include <vector>

#include "symdb/partition.h"

namespace flamedb::symdb {

// Interns every string, mapping, function, location and stack node of `from` into `into`
// (equal symbols de-duplicate) and returns, for each stack id of `from`, the id of the same
// stack in `into`. Index 0 (the empty entries, the root) maps to 0.
// REQUIRES: `into` is writable (made by Partition(), not FromColumns).
std::vector<uint32_t> MergeInto(const Partition& from, Partition& into);

}  // namespace flamedb::symdb
