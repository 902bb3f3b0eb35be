#include "symdb/subset.h"

namespace flamedb::symdb {
namespace {

// new_id[old] for the marked entries, in ascending old order; entry 0 is always kept as 0.
// Returns how many are kept.
uint32_t Renumber(std::vector<uint8_t>& keep, std::vector<uint32_t>& new_id) {
  keep[0] = 1;
  new_id.assign(keep.size(), Subset::kMissing);
  uint32_t next = 0;
  for (size_t i = 0; i < keep.size(); ++i) {
    if (keep[i]) new_id[i] = next++;
  }
  return next;
}

}  // namespace

Result<Subset> SubsetOf(const Partition& p, std::vector<uint8_t> used) {
  const auto stacks = static_cast<uint32_t>(p.stacks());
  used.resize(stacks, 0);
  // A parent is below its node, so one descending pass marks every ancestor.
  for (uint32_t node = stacks; node-- > 1;) {
    if (used[node]) used[p.stack_parent(node)] = 1;
  }
  std::vector<uint8_t> locations(p.locations(), 0), functions(p.functions(), 0),
      mappings(p.mappings(), 0), strings(p.strings(), 0);
  for (uint32_t node = 1; node < stacks; ++node) {
    if (used[node]) locations[p.stack_location(node)] = 1;
  }
  for (uint32_t l = 1; l < locations.size(); ++l) {
    if (!locations[l]) continue;
    mappings[p.location(l).mapping] = 1;
    for (const Line& line : p.Lines(p.location(l))) functions[line.function] = 1;
  }
  for (uint32_t f = 1; f < functions.size(); ++f) {
    if (!functions[f]) continue;
    strings[p.function(f).name] = strings[p.function(f).system_name] =
        strings[p.function(f).filename] = 1;
  }
  for (uint32_t m = 1; m < mappings.size(); ++m) {
    if (mappings[m]) strings[p.mapping(m).filename] = strings[p.mapping(m).build_id] = 1;
  }
  std::vector<uint32_t> stack_id, location_id, function_id, mapping_id, string_id;
  Renumber(used, stack_id);
  Renumber(locations, location_id);
  Renumber(functions, function_id);
  Renumber(mappings, mapping_id);
  Renumber(strings, string_id);

  PartitionColumns c;
  for (uint32_t s = 0; s < strings.size(); ++s) {
    if (!strings[s]) continue;
    c.string_bytes += p.String(s);
    c.string_ends.push_back(c.string_bytes.size());
  }
  for (uint32_t m = 0; m < mappings.size(); ++m) {
    if (!mappings[m]) continue;
    Mapping out = p.mapping(m);
    out.filename = string_id[out.filename];
    out.build_id = string_id[out.build_id];
    c.mappings.push_back(out);
  }
  for (uint32_t f = 0; f < functions.size(); ++f) {
    if (!functions[f]) continue;
    Function out = p.function(f);
    out.name = string_id[out.name];
    out.system_name = string_id[out.system_name];
    out.filename = string_id[out.filename];
    c.functions.push_back(out);
  }
  for (uint32_t l = 0; l < locations.size(); ++l) {
    if (!locations[l]) continue;
    Location out = p.location(l);
    out.mapping = mapping_id[out.mapping];
    out.lines_begin = static_cast<uint32_t>(c.lines.size());
    for (const Line& line : p.Lines(p.location(l))) {
      c.lines.push_back({function_id[line.function], line.line});
    }
    c.locations.push_back(out);
  }
  for (uint32_t node = 0; node < stacks; ++node) {
    if (!used[node]) continue;
    c.stack_parent.push_back(stack_id[p.stack_parent(node)]);
    c.stack_location.push_back(location_id[p.stack_location(node)]);
  }
  FLAMEDB_ASSIGN_OR_RETURN(std::unique_ptr<Partition> partition,
                           Partition::FromColumns(std::move(c)));
  return Subset{std::move(partition), std::move(stack_id)};
}

}  // namespace flamedb::symdb
