#include "model/stack_key.h"

#include <algorithm>
#include <functional>
#include <string_view>

namespace flamedb::model {
namespace {

uint64_t Mix(uint64_t h, uint64_t v) {
  h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 32);
}

uint64_t StringKey(const Profile& p, int64_t index) {
  return std::hash<std::string_view>()(p.String(index));
}

// Content hashes of the items of `items` by id: a flat array when ids are about 1..N, as
// profilers number them (at most 4x the items, plus a little), a hash map otherwise.
template <typename T, typename KeyOf>
void ById(const std::vector<T>& items, KeyOf key_of, std::vector<uint64_t>& dense,
          std::unordered_map<uint64_t, uint64_t>& sparse) {
  uint64_t max = 0;
  for (const T& item : items) max = std::max(max, item.id);
  if (max <= 4 * items.size() + 1024) {
    dense.assign(max + 1, 0);
    for (const T& item : items) dense[item.id] = key_of(item);
  } else {
    for (const T& item : items) sparse[item.id] = key_of(item);
  }
}

uint64_t Find(const std::vector<uint64_t>& dense,
              const std::unordered_map<uint64_t, uint64_t>& sparse, uint64_t id) {
  if (id < dense.size()) return dense[id];
  const auto it = sparse.find(id);
  return it == sparse.end() ? 0 : it->second;
}

}  // namespace

LocationKeys::LocationKeys(const Profile& p) {
  std::vector<uint64_t> functions_dense, mappings_dense;
  std::unordered_map<uint64_t, uint64_t> functions_sparse, mappings_sparse;
  ById(
      p.functions,
      [&](const Function& f) {
        uint64_t h = Mix(0x6a09e667f3bcc908ULL, StringKey(p, f.name));
        h = Mix(h, StringKey(p, f.system_name));
        h = Mix(h, StringKey(p, f.filename));
        return Mix(h, static_cast<uint64_t>(f.start_line)) | 1;
      },
      functions_dense, functions_sparse);
  // A location without a mapping is keyed as one whose mapping is all empty: normalization gives
  // such locations a stub mapping of exactly that.
  const auto mapping_key = [&](const Mapping& m) {
    uint64_t h = Mix(0xbb67ae8584caa73bULL, StringKey(p, m.filename));
    h = Mix(h, StringKey(p, m.build_id));
    h = Mix(Mix(Mix(h, m.memory_start), m.memory_limit), m.file_offset);
    return Mix(h, uint64_t{m.has_functions} | uint64_t{m.has_filenames} << 1 |
                      uint64_t{m.has_line_numbers} << 2 | uint64_t{m.has_inline_frames} << 3) |
           1;
  };
  ById(p.mappings, mapping_key, mappings_dense, mappings_sparse);
  const uint64_t no_mapping = mapping_key(Mapping{});
  ById(
      p.locations,
      [&](const Location& loc) -> uint64_t {
        const uint64_t mapping = loc.mapping_id == 0
                                     ? no_mapping
                                     : Find(mappings_dense, mappings_sparse, loc.mapping_id);
        if (mapping == 0) return 0;
        uint64_t h = Mix(Mix(0x3c6ef372fe94f82bULL, mapping), loc.address);
        for (const Line& line : p.Lines(loc)) {
          const uint64_t function = Find(functions_dense, functions_sparse, line.function_id);
          if (function == 0) return 0;
          h = Mix(Mix(h, function), static_cast<uint64_t>(line.line));
        }
        return h | 1;
      },
      dense_, sparse_);
}

std::vector<StackKey> KeyStacks(const Profile& p) {
  const LocationKeys keys(p);
  std::vector<StackKey> out(p.samples.size());
  for (size_t s = 0; s < p.samples.size(); ++s) {
    KeyStack</*kUnknownAsZero=*/true>(p.LocationIds(p.samples[s]), keys, out[s]);
  }
  return out;
}

}  // namespace flamedb::model
