#include "symdb/partition.h"

#include "model/stack_key.h"

#include <algorithm>
#include <functional>
#include <optional>
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

namespace {

// One profile's symbols in partition ids: each string, mapping, function and location is
// interned the first time a sample uses it and looked up in a flat array after that.
class ProfileSymbols {
 public:
  ProfileSymbols(Partition& partition, const model::Profile& p)
      : partition_(partition),
        p_(p),
        function_at_(p.functions),
        mapping_at_(p.mappings),
        location_at_(p.locations),
        strings_(p.string_table.size(), FlatMap::kMissing),
        functions_(p.functions.size(), FlatMap::kMissing),
        mappings_(p.mappings.size(), FlatMap::kMissing),
        locations_(p.locations.size(), FlatMap::kMissing) {}

  // The partition location of pprof location `pprof_id` (0 for an unknown id).
  uint32_t Location(uint64_t pprof_id) {
    const size_t i = location_at_.IndexOf(pprof_id);
    if (i == SIZE_MAX) return 0;
    const uint32_t known = locations_[i];
    return known != FlatMap::kMissing ? known : NewLocation(i);
  }

 private:
  uint32_t String(int64_t index) {
    if (index <= 0 || static_cast<size_t>(index) >= strings_.size()) return 0;
    uint32_t& s = strings_[index];
    return s != FlatMap::kMissing ? s : (s = partition_.InternString(p_.string_table[index]));
  }

  uint32_t MappingOf(uint64_t pprof_id) {
    const size_t m = mapping_at_.IndexOf(pprof_id);
    if (m == SIZE_MAX) return 0;
    if (mappings_[m] == FlatMap::kMissing) {
      const model::Mapping& pm = p_.mappings[m];
      mappings_[m] = partition_.InternMapping(Mapping{
          String(pm.filename), String(pm.build_id), pm.memory_start, pm.memory_limit,
          pm.file_offset,
          static_cast<uint8_t>(pm.has_functions | pm.has_filenames << 1 |
                               pm.has_line_numbers << 2 | pm.has_inline_frames << 3)});
    }
    return mappings_[m];
  }

  uint32_t FunctionOf(uint64_t pprof_id) {
    const size_t f = function_at_.IndexOf(pprof_id);
    if (f == SIZE_MAX) return 0;
    if (functions_[f] == FlatMap::kMissing) {
      const model::Function& pf = p_.functions[f];
      functions_[f] =
          partition_.InternFunction(Function{String(pf.name), String(pf.system_name),
                                             String(pf.filename),
                                             static_cast<uint32_t>(pf.start_line)});
    }
    return functions_[f];
  }

  // Out of line: the first use of a location is rare next to the lookups of Location().
  [[gnu::noinline]] uint32_t NewLocation(size_t i) {
    const model::Location& loc = p_.locations[i];
    const uint32_t mapping = MappingOf(loc.mapping_id);
    lines_.clear();
    for (const model::Line& line : p_.Lines(loc)) {
      lines_.push_back(Line{FunctionOf(line.function_id), static_cast<int32_t>(line.line)});
    }
    return locations_[i] = partition_.InternLocation(mapping, loc.address, lines_);
  }

  Partition& partition_;
  const model::Profile& p_;
  const ById<model::Function> function_at_;
  const ById<model::Mapping> mapping_at_;
  const ById<model::Location> location_at_;
  std::vector<uint32_t> strings_, functions_, mappings_, locations_;
  std::vector<Line> lines_;
};

}  // namespace

std::vector<uint32_t> Partition::AddSamples(const model::Profile& p,
                                            std::span<const uint32_t> samples) {
  std::vector<model::StackKey> computed;
  if (p.stack_keys.size() != p.samples.size()) computed = model::KeyStacks(p);
  const std::vector<model::StackKey>& keys = computed.empty() ? p.stack_keys : computed;
  // A stack seen before is found by its key in one probe, with no symbol work at all. The
  // probes are the cache misses, so each slot is prefetched a few samples ahead.
  constexpr size_t kAhead = 8;
  const auto key_of = [&](size_t i) -> const model::StackKey& { return keys[samples[i]]; };
  for (size_t i = 0; i < std::min(samples.size(), kAhead); ++i) stack_cache_.Prefetch(key_of(i));
  std::vector<uint32_t> out(samples.size());
  std::optional<ProfileSymbols> symbols;  // Made for the first stack not seen before.
  NewStacks fresh;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i + kAhead < samples.size()) stack_cache_.Prefetch(key_of(i + kAhead));
    const model::StackKey& h = key_of(i);
    if (const uint32_t known = stack_cache_.Find(h); known != StackCache::kMissing) {
      out[i] = known;
      continue;
    }
    if (!symbols) symbols.emplace(*this, p);
    fresh.frames.clear();
    const auto ids = p.LocationIds(p.samples[samples[i]]);
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      fresh.frames.push_back(symbols->Location(*it));
    }
    out[i] = InternNewStack(fresh);
    stack_cache_.Insert(h, out[i]);
  }
  return out;
}

uint32_t Partition::InternNewStack(NewStacks& fresh) {
  // Samples of a profile often share their callers with the new stack interned before, so the
  // tree nodes of the common root-side part are reused instead of looked up again (a hash probe,
  // usually a cache miss, per frame).
  const std::vector<uint32_t>& stack = fresh.frames;  // Read before the swap below.
  size_t shared = 0;
  while (shared < stack.size() && shared < fresh.prev.size() && fresh.prev[shared] == stack[shared]) {
    ++shared;
  }
  fresh.prev_nodes.resize(shared);
  uint32_t node = shared == 0 ? 0 : fresh.prev_nodes[shared - 1];
  for (size_t k = shared; k < stack.size(); ++k) {
    node = InternChild(node, stack[k]);
    fresh.prev_nodes.push_back(node);
  }
  std::swap(fresh.prev, fresh.frames);
  return node;
}

void Partition::ResolveStack(uint32_t stack, std::vector<uint32_t>& out) const {
  for (uint32_t node = stack; node != 0; node = stack_parent_[node]) {
    out.push_back(stack_location_[node]);
  }
}

void Partition::CopyFrom(const Partition& other) {
  // The strings are copied into this partition's own storage: other's views point into its.
  string_storage_.clear();
  strings_.clear();
  strings_.reserve(other.strings_.size());
  strings_.push_back(std::string_view());
  for (size_t i = 1; i < other.strings_.size(); ++i) {
    strings_.push_back(string_storage_.emplace_back(other.strings_[i]));
  }
  string_index_ = other.string_index_;
  functions_ = other.functions_;
  function_index_ = other.function_index_;
  mappings_ = other.mappings_;
  mapping_index_ = other.mapping_index_;
  locations_ = other.locations_;
  lines_ = other.lines_;
  location_index_ = other.location_index_;
  stack_parent_ = other.stack_parent_;
  stack_location_ = other.stack_location_;
  stack_index_ = other.stack_index_;
  stack_cache_ = other.stack_cache_;
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
