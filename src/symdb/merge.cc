#include "symdb/merge.h"

namespace flamedb::symdb {

std::vector<uint32_t> MergeInto(const Partition& from, Partition& into) {
  std::vector<uint32_t> strings(from.strings());
  for (uint32_t i = 0; i < strings.size(); ++i) strings[i] = into.InternString(from.String(i));

  // Entry 0 of each table is the empty one, which no intern table holds: it stays 0.
  std::vector<uint32_t> mappings(from.mappings(), 0);
  for (uint32_t i = 1; i < mappings.size(); ++i) {
    Mapping m = from.mapping(i);
    m.filename = strings[m.filename];
    m.build_id = strings[m.build_id];
    mappings[i] = into.InternMapping(m);
  }
  std::vector<uint32_t> functions(from.functions(), 0);
  for (uint32_t i = 1; i < functions.size(); ++i) {
    Function f = from.function(i);
    f.name = strings[f.name];
    f.system_name = strings[f.system_name];
    f.filename = strings[f.filename];
    functions[i] = into.InternFunction(f);
  }
  std::vector<uint32_t> locations(from.locations(), 0);
  std::vector<Line> lines;
  for (uint32_t i = 1; i < locations.size(); ++i) {
    const Location& loc = from.location(i);
    lines.clear();
    for (const Line& l : from.Lines(loc)) lines.push_back({functions[l.function], l.line});
    locations[i] = into.InternLocation(mappings[loc.mapping], loc.address, lines);
  }
  // Every node's parent is below it, so one pass in id order sees each parent mapped first.
  std::vector<uint32_t> stacks(from.stacks(), 0);
  for (uint32_t node = 1; node < stacks.size(); ++node) {
    stacks[node] =
        into.InternChild(stacks[from.stack_parent(node)], locations[from.stack_location(node)]);
  }
  return stacks;
}

}  // namespace flamedb::symdb
