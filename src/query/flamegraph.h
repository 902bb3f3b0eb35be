// Output builders for merged stacks: Pyroscope's FlameGraph level encoding (also the legacy
// flamebearer "single" format) and the tree bytes format, both with max_nodes truncation into
// "other" nodes (spec §4.5, §4.6, §5.3).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query/function_tree.h"

namespace flamedb::query {

inline constexpr int64_t kDefaultMaxNodes = 8192;
inline constexpr int64_t kMaxMaxNodes = 1048576;

struct FlameGraph {
  std::vector<std::string> names;            // names[0] is "total".
  std::vector<std::vector<int64_t>> levels;  // Per depth: [x_delta, total, self, name] per node.
  int64_t total = 0;
  int64_t max_self = 0;
};

// The names of an output flame graph: "total" first, then each tree name, and "other", once,
// in the order they are first asked for. Names are appended to `names`, which must outlive it.
class OutputNames {
 public:
  OutputNames(const FunctionTree& tree, std::vector<std::string>& names);
  // The output index of tree name `name`.
  int64_t Of(uint32_t name);
  // The output index of the "other" node's name.
  int64_t Other();

 private:
  const FunctionTree& tree_;
  std::vector<std::string>& names_;
  std::vector<int64_t> index_;  // By tree name; -1: not output yet.
  int64_t other_ = -1;
};

// The node total a node needs to be kept when the tree has more than `max_nodes` nodes (the
// max_nodes-th largest total); 0 keeps everything. The root does not count.
int64_t TruncationThreshold(const FunctionTree& tree, int64_t max_nodes);

// REQUIRES: tree.ComputeTotals() was called.
FlameGraph BuildFlameGraph(const FunctionTree& tree, int64_t max_nodes);

// Pre-order from a root with an empty name: uvarint(len(name)), name, uvarint(self),
// uvarint(child count), then the children in name order (an "other" child in its name place).
std::string BuildTreeBytes(const FunctionTree& tree, int64_t max_nodes);

}  // namespace flamedb::query
