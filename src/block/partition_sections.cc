#include "block/partition_sections.h"

#include <algorithm>
#include <optional>

#include "block/symbols.h"
#include "symdb/subset.h"

namespace flamedb::block {
namespace {

// Which stacks of each partition the rows of `series` use (used[partition][stack]).
Result<std::vector<std::vector<uint8_t>>> UsedStacks(const store::ProfileSource& source,
                                                     const std::vector<uint32_t>& series) {
  std::vector<std::vector<uint8_t>> used(source.PartitionCount());
  for (uint32_t p = 0; p < used.size(); ++p) {
    FLAMEDB_RETURN_IF_ERROR(source.WithSymbols(
        p, [&](const symdb::Partition& partition) { used[p].assign(partition.stacks(), 0); }));
  }
  bool changed = false;
  FLAMEDB_RETURN_IF_ERROR(
      source.ForEachRow(series, {INT64_MIN, INT64_MAX}, [&](const store::RowView& row) {
        if (row.partition >= used.size()) return void(changed = true);
        std::vector<uint8_t>& marks = used[row.partition];
        for (const uint32_t stack : row.stacks) {
          if (stack >= marks.size()) return void(changed = true);
          marks[stack] = 1;
        }
      }));
  if (changed) return FailedPreconditionError("block: the source changed while it was written");
  return used;
}

// The section of partition `p` (pruned to `used` unless null) into `raw` and its stack count
// into `stacks`; returns its stack renumbering as SymbolIds::new_stack.
Result<std::vector<uint32_t>> PartitionSection(const store::ProfileSource& source, uint32_t p,
                                               std::vector<uint8_t>* used, std::string& raw,
                                               uint64_t& stacks) {
  std::vector<uint32_t> renumber;
  Status pruned = OkStatus();
  FLAMEDB_RETURN_IF_ERROR(source.WithSymbols(p, [&](const symdb::Partition& partition) {
    std::optional<symdb::Subset> subset;
    if (used != nullptr) {
      Result<symdb::Subset> s = symdb::SubsetOf(partition, std::move(*used));
      if (!s.ok()) return void(pruned = s.status());
      subset = std::move(s).value();
    }
    const symdb::Partition& kept = subset ? *subset->partition : partition;
    const std::vector<uint32_t> dfs = DepthFirstOrder(kept);
    renumber.resize(dfs.size());
    for (uint32_t i = 0; i < dfs.size(); ++i) renumber[dfs[i]] = i;
    if (subset) {  // Old id -> subset id -> depth-first position.
      for (uint32_t& id : subset->stack_ids) {
        if (id != symdb::Subset::kMissing) id = renumber[id];
      }
      renumber = std::move(subset->stack_ids);
    }
    raw = EncodeSymbols(kept, dfs);
    stacks = dfs.size();
  }));
  FLAMEDB_RETURN_IF_ERROR(pruned);
  return renumber;
}

}  // namespace

Result<SymbolIds> MakePartitionSections(
    const store::ProfileSource& source, const std::vector<uint32_t>& series, bool prune,
    const std::function<void(std::string name, uint64_t stacks, const std::string& raw)>& add) {
  std::vector<std::vector<uint8_t>> used;
  if (prune) {
    FLAMEDB_ASSIGN_OR_RETURN(used, UsedStacks(source, series));
  }
  SymbolIds ids;
  ids.new_stack.resize(source.PartitionCount());
  ids.new_partition.assign(ids.new_stack.size(), symdb::Subset::kMissing);
  uint32_t next = 0;
  for (uint32_t p = 0; p < ids.new_stack.size(); ++p) {
    if (prune && std::find(used[p].begin(), used[p].end(), 1) == used[p].end()) {
      continue;  // No row of this partition: a carried one whose service did not push.
    }
    std::string raw;
    uint64_t stacks = 0;
    FLAMEDB_ASSIGN_OR_RETURN(ids.new_stack[p],
                             PartitionSection(source, p, prune ? &used[p] : nullptr, raw, stacks));
    ids.new_partition[p] = next++;
    add(source.PartitionName(p), stacks, raw);
  }
  return ids;
}

}  // namespace flamedb::block
