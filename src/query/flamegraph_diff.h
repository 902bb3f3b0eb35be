// The diff flame graph of two merged stack trees (spec §4.10, §5.2): both trees aligned under
// one root, 7 ints per node [left x delta, left total, left self, right x delta, right total,
// right self, name index], truncated to max_nodes with "other" nodes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "query/function_tree.h"

namespace flamedb::query {

struct FlameGraphDiff {
  std::vector<std::string> names;            // names[0] is "total".
  std::vector<std::vector<int64_t>> levels;  // Per depth: 7 ints per node.
  int64_t total = 0;                         // Left total + right total.
  int64_t max_self = 0;                      // Over both sides.
  int64_t left_ticks = 0;
  int64_t right_ticks = 0;
};

// A node is kept when its left or its right total reaches the max_nodes-th largest of the
// per-node maxima of both sides. REQUIRES: ComputeTotals() was called on both trees.
// Errors: kInvalidArgument when a node of either tree has a negative value.
Result<FlameGraphDiff> BuildFlameGraphDiff(const FunctionTree& left, const FunctionTree& right,
                                           int64_t max_nodes);

}  // namespace flamedb::query
