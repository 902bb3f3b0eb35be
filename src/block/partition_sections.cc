#include "block/partition_sections.h"

#include <algorithm>
#include <optional>

#include "block/symbols.h"
#include "symdb/subset.h"

namespace flamedb::block {
namespace {

// Which stacks of each partition the rows of `series` use: from the source when it knows for
// every partition, else read from the rows.
Result<std::vector<store::StackUse>> UsedStacks(const store::ProfileSource& source,
                                                const std::vector<uint32_t>& series) {
  std::vector<store::StackUse> used(source.PartitionCount());
  bool known = true;
  for (uint32_t p = 0; p < used.size() && known; ++p) {
    used[p] = source.StacksInUse(p);
    known = used[p].known;
  }
  if (known) return used;
  for (uint32_t p = 0; p < used.size(); ++p) {
    used[p].known = true;
    FLAMEDB_RETURN_IF_ERROR(source.WithSymbols(p, [&](const symdb::Partition& partition) {
      used[p].marked.assign(partition.stacks(), 0);
    }));
  }
  bool changed = false;
  FLAMEDB_RETURN_IF_ERROR(
      source.ForEachRow(series, {INT64_MIN, INT64_MAX}, [&](const store::RowView& row) {
        if (row.partition >= used.size()) return void(changed = true);
        std::vector<uint8_t>& marks = used[row.partition].marked;
        for (const uint32_t stack : row.stacks) {
          if (stack >= marks.size()) return void(changed = true);
          marks[stack] = 1;
        }
      }));
  if (changed) return FailedPreconditionError("block: the source changed while it was written");
  return used;
}

// No row uses any stack of the partition.
bool Unused(const store::StackUse& use, const symdb::Partition& partition) {
  return !use.marked.empty() && use.marked.size() >= partition.stacks() &&
         std::find(use.marked.begin(), use.marked.end(), 1) == use.marked.end();
}

// A section to write.
struct Section {
  std::vector<uint32_t> renumber;  // SymbolIds::new_stack of the partition.
  std::string raw;
  uint64_t stacks = 0;
  bool unused = false;  // Pruned away whole: no section.
};

// The section of partition `p`, pruned to `use` unless null.
Result<Section> PartitionSection(const store::ProfileSource& source, uint32_t p,
                                 store::StackUse* use) {
  Section out;
  Status pruned = OkStatus();
  FLAMEDB_RETURN_IF_ERROR(source.WithSymbols(p, [&](const symdb::Partition& partition) {
    std::optional<symdb::Subset> subset;
    if (use != nullptr && !use->marked.empty()) {
      if (Unused(*use, partition)) return void(out.unused = true);
      use->marked.resize(partition.stacks(), 1);  // Those past the marks are used.
      Result<symdb::Subset> s = symdb::SubsetOf(partition, std::move(use->marked));
      if (!s.ok()) return void(pruned = s.status());
      subset = std::move(s).value();
    }
    const symdb::Partition& kept = subset ? *subset->partition : partition;
    const std::vector<uint32_t> dfs = DepthFirstOrder(kept);
    out.renumber.resize(dfs.size());
    for (uint32_t i = 0; i < dfs.size(); ++i) out.renumber[dfs[i]] = i;
    if (subset) {  // Old id -> subset id -> depth-first position.
      for (uint32_t& id : subset->stack_ids) {
        if (id != symdb::Subset::kMissing) id = out.renumber[id];
      }
      out.renumber = std::move(subset->stack_ids);
    }
    out.raw = EncodeSymbols(kept, dfs);
    out.stacks = dfs.size();
  }));
  FLAMEDB_RETURN_IF_ERROR(pruned);
  return out;
}

}  // namespace

Result<SymbolIds> MakePartitionSections(
    const store::ProfileSource& source, const std::vector<uint32_t>& series, bool prune,
    const std::function<void(std::string name, uint64_t stacks, const std::string& raw)>& add) {
  std::vector<store::StackUse> used;
  if (prune) {
    FLAMEDB_ASSIGN_OR_RETURN(used, UsedStacks(source, series));
  }
  SymbolIds ids;
  ids.new_stack.resize(source.PartitionCount());
  ids.new_partition.assign(ids.new_stack.size(), symdb::Subset::kMissing);
  uint32_t next = 0;
  for (uint32_t p = 0; p < ids.new_stack.size(); ++p) {
    FLAMEDB_ASSIGN_OR_RETURN(Section section,
                             PartitionSection(source, p, prune ? &used[p] : nullptr));
    if (section.unused) continue;  // A carried partition whose service did not push.
    ids.new_stack[p] = std::move(section.renumber);
    ids.new_partition[p] = next++;
    add(source.PartitionName(p), section.stacks, section.raw);
  }
  return ids;
}

}  // namespace flamedb::block
