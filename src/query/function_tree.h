// The merge result of a flame graph query: a tree of function names (root first), each node
// with its self value; totals are computed once all stacks are in (design §6).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "query/context.h"
#include "query/stacks.h"
#include "store/source.h"
#include "symdb/flat_map.h"

namespace flamedb::query {

// Not thread-safe. Node 0 is the root ("total").
class FunctionTree {
 public:
  struct Node {
    uint32_t parent = 0;
    uint32_t name = 0;  // Index into names().
    int64_t self = 0;
    int64_t total = 0;  // Valid after ComputeTotals().
  };

  FunctionTree();

  uint32_t NameId(std::string_view name);
  // The child of `parent` called `name`, created when new.
  uint32_t Child(uint32_t parent, uint32_t name);
  void AddSelf(uint32_t node, int64_t value) { nodes_[node].self += value; }
  // Adds `value` at the end of the root-first path of `frames`.
  void AddStack(const std::vector<std::string>& frames, int64_t value);

  // Adds every node's self value of `other` at its path here (totals need recomputing).
  void Merge(const FunctionTree& other);

  // Fills every node's total (self plus its children's totals).
  void ComputeTotals();

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<std::string>& names() const { return names_; }
  int64_t total() const { return nodes_[0].total; }
  // Children of each node, sorted by name (byte order). REQUIRES: ComputeTotals() was called.
  std::vector<std::vector<uint32_t>> SortedChildren() const;

 private:
  std::vector<Node> nodes_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> name_ids_;
  symdb::FlatMap children_;  // parent << 32 | name -> node.
};

// Adds `sums` (SumStacks of `source`) to `tree`, by function-name stack, keeping only stacks
// that start with `call_site` (root-first names; empty: all). Symbols are resolved once per
// stack tree node that has a value, not per sample.
// Errors: those of the source (damaged blocks) and of `ctx`.
Status AddStackSums(const store::ProfileSource& source, const StackSums& sums,
                    const std::vector<std::string>& call_site, QueryContext& ctx,
                    FunctionTree& tree);

}  // namespace flamedb::query
