#include "symdb/partition.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace flamedb::symdb {
namespace {

uint64_t HashCombine(uint64_t h, uint64_t v) {
  return (h ^ v) * 0x9e3779b97f4a7c15ULL + (h >> 17);
}

// Position by pprof id; ids of a normalized profile are 1..N in order, anything else falls back
// to a hash map.
template <typename T>
class ById {
 public:
  explicit ById(const std::vector<T>& items) : items_(items) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].id != i + 1) {
        dense_ = false;
      }
    }
    if (!dense_) {
      for (size_t i = 0; i < items.size(); ++i) {
        sparse_.emplace(items[i].id, i);
      }
    }
  }
  // SIZE_MAX when there is no such id.
  size_t IndexOf(uint64_t id) const {
    if (dense_) {
      return id >= 1 && id <= items_.size() ? id - 1 : SIZE_MAX;
    }
    const auto it = sparse_.find(id);
    return it == sparse_.end() ? SIZE_MAX : it->second;
  }

 private:
  const std::vector<T>& items_;
  bool dense_ = true;
  std::unordered_map<uint64_t, size_t> sparse_;
};

}  // namespace

Partition::Partition() {
  strings_.push_back(std::string_view());
  string_index_.Insert(std::hash<std::string_view>()(std::string_view()), 0);
  functions_.push_back(Function{});
  mappings_.push_back(Mapping{});
  locations_.push_back(Location{});
  stack_parent_.push_back(0);
  stack_location_.push_back(0);
}

uint32_t Partition::InternString(std::string_view s) {
  const uint64_t key = std::hash<std::string_view>()(s);
  const uint32_t found = string_index_.Find(key, [&](uint32_t id) { return strings_[id] == s; });
  if (found != FlatMap::kMissing) {
    return found;
  }
  string_storage_.emplace_back(s);
  const auto id = static_cast<uint32_t>(strings_.size());
  strings_.push_back(string_storage_.back());
  string_index_.Insert(key, id);
  return id;
}

uint32_t Partition::InternFunction(const Function& f) {
  const uint64_t key =
      HashCombine(HashCombine(HashCombine(f.name, f.system_name), f.filename), f.start_line);
  const uint32_t found = function_index_.Find(key, [&](uint32_t id) { return functions_[id] == f; });
  if (found != FlatMap::kMissing) {
    return found;
  }
  const auto id = static_cast<uint32_t>(functions_.size());
  functions_.push_back(f);
  function_index_.Insert(key, id);
  return id;
}

uint32_t Partition::InternMapping(const Mapping& m) {
  uint64_t key = HashCombine(HashCombine(m.filename, m.build_id), m.memory_start);
  key = HashCombine(HashCombine(HashCombine(key, m.memory_limit), m.file_offset), m.flags);
  const uint32_t found = mapping_index_.Find(key, [&](uint32_t id) { return mappings_[id] == m; });
  if (found != FlatMap::kMissing) {
    return found;
  }
  const auto id = static_cast<uint32_t>(mappings_.size());
  mappings_.push_back(m);
  mapping_index_.Insert(key, id);
  return id;
}

uint32_t Partition::InternLocation(uint32_t mapping, uint64_t address,
                                   std::span<const Line> lines) {
  uint64_t key = HashCombine(mapping, address);
  for (const Line& l : lines) {
    key = HashCombine(HashCombine(key, l.function), static_cast<uint32_t>(l.line));
  }
  const uint32_t found = location_index_.Find(key, [&](uint32_t id) {
    const Location& loc = locations_[id];
    const auto have = Lines(loc);
    return loc.mapping == mapping && loc.address == address &&
           std::equal(have.begin(), have.end(), lines.begin(), lines.end());
  });
  if (found != FlatMap::kMissing) {
    return found;
  }
  const auto id = static_cast<uint32_t>(locations_.size());
  locations_.push_back(Location{mapping, address, static_cast<uint32_t>(lines_.size()),
                                static_cast<uint32_t>(lines.size())});
  lines_.insert(lines_.end(), lines.begin(), lines.end());
  location_index_.Insert(key, id);
  return id;
}

uint32_t Partition::InternStack(std::span<const uint32_t> locations_leaf_first) {
  uint32_t node = 0;
  for (auto it = locations_leaf_first.rbegin(); it != locations_leaf_first.rend(); ++it) {
    node = InternChild(node, *it);
  }
  return node;
}

uint32_t Partition::InternChild(uint32_t parent, uint32_t location) {
  const uint64_t key = static_cast<uint64_t>(parent) << 32 | location;
  const uint32_t child = stack_index_.Find(key, [](uint32_t) { return true; });
  if (child != FlatMap::kMissing) {
    return child;
  }
  const auto id = static_cast<uint32_t>(stack_parent_.size());
  stack_parent_.push_back(parent);
  stack_location_.push_back(location);
  stack_index_.Insert(key, id);
  return id;
}

std::vector<uint32_t> Partition::AddSamples(const model::Profile& p,
                                            std::span<const uint32_t> samples) {
  // Profile ids -> partition ids, each symbol translated once.
  std::vector<uint32_t> strings(p.string_table.size(), FlatMap::kMissing);
  auto str = [&](int64_t index) -> uint32_t {
    if (index <= 0 || static_cast<size_t>(index) >= strings.size()) {
      return 0;
    }
    uint32_t& s = strings[index];
    return s != FlatMap::kMissing ? s : (s = InternString(p.string_table[index]));
  };
  const ById<model::Function> function_at(p.functions);
  const ById<model::Mapping> mapping_at(p.mappings);
  const ById<model::Location> location_at(p.locations);
  std::vector<uint32_t> functions(p.functions.size(), FlatMap::kMissing);
  std::vector<uint32_t> mappings(p.mappings.size(), FlatMap::kMissing);
  std::vector<uint32_t> locations(p.locations.size(), FlatMap::kMissing);
  std::vector<Line> lines;
  auto location = [&](uint64_t pprof_id) -> uint32_t {
    const size_t i = location_at.IndexOf(pprof_id);
    if (i == SIZE_MAX) {
      return 0;
    }
    if (locations[i] != FlatMap::kMissing) {
      return locations[i];
    }
    const model::Location& loc = p.locations[i];
    uint32_t mapping = 0;
    if (const size_t m = mapping_at.IndexOf(loc.mapping_id); m != SIZE_MAX) {
      if (mappings[m] == FlatMap::kMissing) {
        const model::Mapping& pm = p.mappings[m];
        mappings[m] = InternMapping(Mapping{
            str(pm.filename), str(pm.build_id), pm.memory_start, pm.memory_limit, pm.file_offset,
            static_cast<uint8_t>(pm.has_functions | pm.has_filenames << 1 |
                                 pm.has_line_numbers << 2 | pm.has_inline_frames << 3)});
      }
      mapping = mappings[m];
    }
    lines.clear();
    for (const model::Line& line : p.Lines(loc)) {
      const size_t f = function_at.IndexOf(line.function_id);
      if (f != SIZE_MAX && functions[f] == FlatMap::kMissing) {
        const model::Function& pf = p.functions[f];
        functions[f] = InternFunction(Function{str(pf.name), str(pf.system_name),
                                               str(pf.filename),
                                               static_cast<uint32_t>(pf.start_line)});
      }
      lines.push_back(Line{f == SIZE_MAX ? 0 : functions[f], static_cast<int32_t>(line.line)});
    }
    return locations[i] = InternLocation(mapping, loc.address, lines);
  };
  // Every stack as partition locations, root first, in one flat buffer.
  std::vector<uint32_t> frames;
  std::vector<uint32_t> begin(samples.size() + 1, 0);
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto ids = p.LocationIds(p.samples[samples[i]]);
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      frames.push_back(location(*it));
    }
    begin[i + 1] = static_cast<uint32_t>(frames.size());
  }
  // A stack seen before is found by its hash in one probe. A new one is walked down the tree;
  // samples of a profile often share their callers with the sample walked before, so the tree
  // nodes of the common root-side part are reused instead of looked up again (a hash probe,
  // usually a cache miss, per frame).
  auto frames_of = [&](uint32_t i) {
    return std::span<const uint32_t>(frames.data() + begin[i], begin[i + 1] - begin[i]);
  };
  std::vector<uint32_t> out(samples.size());
  std::span<const uint32_t> prev;
  std::vector<uint32_t> prev_nodes;  // prev_nodes[k]: the node of prev[0..k].
  for (uint32_t i = 0; i < samples.size(); ++i) {
    const auto stack = frames_of(i);
    const StackHash hash = HashStack(stack);
    if (const uint32_t known = stack_cache_.Find(hash); known != StackCache::kMissing) {
      out[i] = known;
      continue;
    }
    size_t shared = 0;
    while (shared < stack.size() && shared < prev.size() && prev[shared] == stack[shared]) {
      ++shared;
    }
    prev_nodes.resize(shared);
    uint32_t node = shared == 0 ? 0 : prev_nodes[shared - 1];
    for (size_t k = shared; k < stack.size(); ++k) {
      node = InternChild(node, stack[k]);
      prev_nodes.push_back(node);
    }
    prev = stack;
    stack_cache_.Insert(hash, node);
    out[i] = node;
  }
  return out;
}

void Partition::ResolveStack(uint32_t stack, std::vector<uint32_t>& out) const {
  for (uint32_t node = stack; node != 0; node = stack_parent_[node]) {
    out.push_back(stack_location_[node]);
  }
}

Result<std::unique_ptr<Partition>> Partition::FromColumns(PartitionColumns c) {
  auto fail = [](std::string_view what) {
    return DataLossError("symbols: " + std::string(what) + " is out of range");
  };
  const size_t n_strings = c.string_ends.size();
  if (n_strings == 0 || c.mappings.empty() || c.functions.empty() || c.locations.empty() ||
      c.stack_parent.empty() || c.stack_parent.size() != c.stack_location.size()) {
    return DataLossError("symbols: a table lacks its empty entry 0");
  }
  std::unique_ptr<Partition> p(new Partition(Loaded{}));
  p->loaded_strings_ = std::move(c.string_bytes);
  p->strings_.reserve(n_strings);
  uint64_t begin = 0;
  for (uint64_t end : c.string_ends) {
    if (end < begin || end > p->loaded_strings_.size()) {
      return fail("a string's end");
    }
    p->strings_.push_back(std::string_view(p->loaded_strings_).substr(begin, end - begin));
    begin = end;
  }
  for (const Mapping& m : c.mappings) {
    if (m.filename >= n_strings || m.build_id >= n_strings) return fail("a mapping's string");
  }
  for (const Function& f : c.functions) {
    if (f.name >= n_strings || f.system_name >= n_strings || f.filename >= n_strings) {
      return fail("a function's string");
    }
  }
  for (const Line& l : c.lines) {
    if (l.function >= c.functions.size()) return fail("a line's function");
  }
  for (const Location& l : c.locations) {
    if (l.mapping >= c.mappings.size() || l.lines_begin > c.lines.size() ||
        l.lines_size > c.lines.size() - l.lines_begin) {
      return fail("a location's mapping or lines");
    }
  }
  for (size_t node = 1; node < c.stack_parent.size(); ++node) {
    if (c.stack_parent[node] >= node || c.stack_location[node] >= c.locations.size()) {
      return fail("a stack node's parent or location");
    }
  }
  p->mappings_ = std::move(c.mappings);
  p->functions_ = std::move(c.functions);
  p->locations_ = std::move(c.locations);
  p->lines_ = std::move(c.lines);
  p->stack_parent_ = std::move(c.stack_parent);
  p->stack_location_ = std::move(c.stack_location);
  return p;
}

size_t Partition::MemoryBytes() const {
  size_t bytes = loaded_strings_.capacity();
  for (const std::string& s : string_storage_) {
    bytes += s.capacity() + sizeof(std::string);
  }
  bytes += strings_.capacity() * sizeof(std::string_view) + string_index_.MemoryBytes();
  bytes += functions_.capacity() * sizeof(Function) + function_index_.MemoryBytes();
  bytes += mappings_.capacity() * sizeof(Mapping) + mapping_index_.MemoryBytes();
  bytes += locations_.capacity() * sizeof(Location) + lines_.capacity() * sizeof(Line) +
           location_index_.MemoryBytes();
  bytes += (stack_parent_.capacity() + stack_location_.capacity()) * sizeof(uint32_t) +
           stack_index_.MemoryBytes() + stack_cache_.MemoryBytes();
  return bytes;
}

}  // namespace flamedb::symdb
