#include "distributor/normalize.h"

#include "distributor/compact.h"
#include "distributor/id_table.h"
#include "model/stack_key.h"

#include <algorithm>
#include <cstdint>
#include <unordered_set>

namespace flamedb::distributor {
namespace {

// Keeps only string-valued labels of each sample, sorted by key, compacting Profile::labels.
void NormalizeSampleLabels(model::Profile& p) {
  std::vector<model::Label> kept;
  kept.reserve(p.labels.size());
  for (model::Sample& s : p.samples) {
    const uint32_t begin = static_cast<uint32_t>(kept.size());
    for (const model::Label& l : p.Labels(s)) {
      if (l.str != 0) {
        kept.push_back(l);
      }
    }
    std::sort(kept.begin() + begin, kept.end(), [&](const model::Label& a, const model::Label& b) {
      return p.String(a.key) < p.String(b.key);
    });
    s.labels = model::Span{begin, static_cast<uint32_t>(kept.size() - begin)};
  }
  p.labels = std::move(kept);
}

// The set of ids of `items`.
template <typename T, typename IdOf>
IdTable<uint8_t> IdSet(const std::vector<T>& items, IdOf id_of) {
  IdTable<uint8_t> set(items, id_of);
  for (const T& item : items) {
    set[id_of(item)] = 1;
  }
  return set;
}

// Removes unusable locations.
void KeepValidLocations(model::Profile& p) {
  const auto functions = IdSet(p.functions, [](const model::Function& f) { return f.id; });
  const auto mappings = IdSet(p.mappings, [](const model::Mapping& m) { return m.id; });
  std::erase_if(p.locations, [&](const model::Location& loc) {
    if (loc.mapping_id != 0 && !mappings.Get(loc.mapping_id)) {
      return true;
    }
    if (loc.lines.size == 0 && loc.address == 0) {
      return true;
    }
    for (const model::Line& line : p.Lines(loc)) {
      if (!functions.Get(line.function_id)) {
        return true;
      }
    }
    return false;
  });
}

enum class Drop { kNo, kValues, kBroken, kZeroId };

// Also computes the sample's StackKey: its walk over the location ids is the one that checks
// they exist.
Drop Droppable(const model::Profile& p, const model::Sample& s, const model::LocationKeys& keys,
               model::StackKey& key) {
  bool all_zero = true;
  for (int64_t v : p.Values(s)) {
    if (v < 0) {
      return Drop::kValues;
    }
    all_zero = all_zero && v == 0;
  }
  if (all_zero) {
    return Drop::kValues;
  }
  const auto ids = p.LocationIds(s);
  const size_t unknown = model::KeyStack(ids, keys, key);
  if (unknown < ids.size()) {
    return ids[unknown] == 0 ? Drop::kZeroId : Drop::kBroken;
  }
  return Drop::kNo;
}

// Hash and equality of a sample's identity: its stack and its (sorted) string labels. The hash
// starts from the stack's StackKey, so the stack is not walked a second time.
struct SampleKey {
  const model::Profile* p;
  const model::Sample* s;
  model::StackKey stack;
};
struct SampleKeyHash {
  size_t operator()(const SampleKey& k) const {
    constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
    uint64_t h = k.stack.a;
    for (const model::Label& l : k.p->Labels(*k.s)) {
      h = (h ^ std::hash<std::string_view>()(k.p->String(l.key))) * kMul;
      h = (h ^ std::hash<std::string_view>()(k.p->String(l.str))) * kMul;
    }
    return h ^ (h >> 29);
  }
};
struct SampleKeyEq {
  bool operator()(const SampleKey& a, const SampleKey& b) const {
    const auto la = a.p->LocationIds(*a.s);
    const auto lb = b.p->LocationIds(*b.s);
    const auto ta = a.p->Labels(*a.s);
    const auto tb = b.p->Labels(*b.s);
    if (!std::equal(la.begin(), la.end(), lb.begin(), lb.end()) || ta.size() != tb.size()) {
      return false;
    }
    for (size_t i = 0; i < ta.size(); ++i) {
      if (a.p->String(ta[i].key) != b.p->String(tb[i].key) ||
          a.p->String(ta[i].str) != b.p->String(tb[i].str)) {
        return false;
      }
    }
    return true;
  }
};

void ZeroSymbolizedAddresses(model::Profile& p) {
  std::unordered_set<uint64_t> symbolized;
  for (model::Mapping& m : p.mappings) {
    if (m.has_functions) {
      symbolized.insert(m.id);
      m.memory_start = m.memory_limit = m.file_offset = 0;
    }
  }
  for (model::Location& loc : p.locations) {
    if (symbolized.count(loc.mapping_id)) {
      loc.address = 0;
    }
  }
}

}  // namespace

// Open addressing over indexes into `kept`: no allocation per sample, unlike a node-based map.
class SampleIndex {
 public:
  explicit SampleIndex(size_t capacity) {
    size_t n = 16;
    while (n < 2 * capacity) {
      n *= 2;
    }
    slots_.assign(n, kEmpty);
  }
  // Returns the index of a sample in `kept` equal to kept[candidate], inserting candidate when
  // there is none.
  uint32_t FindOrInsert(const model::Profile& p, const std::vector<model::Sample>& kept,
                        const std::vector<model::StackKey>& keys, uint32_t candidate) {
    const SampleKey key{&p, &kept[candidate], keys[candidate]};
    for (size_t i = SampleKeyHash()(key) & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == kEmpty) {
        slots_[i] = candidate;
        return candidate;
      }
      if (keys[slots_[i]] == key.stack && SampleKeyEq()(SampleKey{&p, &kept[slots_[i]], {}}, key)) {
        return slots_[i];
      }
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  std::vector<uint32_t> slots_;
};

NormalizeStats NormalizeProfile(model::Profile& p) {
  NormalizeStats stats;
  NormalizeSampleLabels(p);
  KeepValidLocations(p);
  ZeroSymbolizedAddresses(p);  // Before the keys and before the compactor copies the locations.
  const model::LocationKeys location_keys(p);
  std::vector<model::Sample> kept;
  kept.reserve(p.samples.size());
  std::vector<model::StackKey> keys;
  keys.reserve(p.samples.size());
  SampleIndex index(p.samples.size());
  // Kept samples get dense location ids here, in the pass that hashes them; identical stacks
  // get identical new ids, so merging on the new ids is merging on the old.
  Compactor compactor(p);
  for (const model::Sample& s : p.samples) {
    model::StackKey key;
    if (const Drop drop = Droppable(p, s, location_keys, key); drop != Drop::kNo) {
      ++stats.dropped_samples;
      stats.broken_samples += drop == Drop::kBroken || drop == Drop::kZeroId ? 1 : 0;
      stats.zero_location_samples += drop == Drop::kZeroId ? 1 : 0;
      continue;
    }
    compactor.RemapSample(s);
    kept.push_back(s);
    keys.push_back(key);
    const uint32_t first_index =
        index.FindOrInsert(p, kept, keys, static_cast<uint32_t>(kept.size() - 1));
    if (first_index == kept.size() - 1) {
      continue;
    }
    // Same identity: add the values into the first occurrence and forget this one.
    const model::Sample& first = kept[first_index];
    for (uint32_t i = 0; i < s.values.size; ++i) {
      int64_t& sum = p.values[first.values.begin + i];
      if (__builtin_add_overflow(sum, p.values[s.values.begin + i], &sum)) {
        sum = INT64_MAX;  // Both are non-negative here, so only upward overflow is possible.
      }
    }
    kept.pop_back();
    keys.pop_back();
    ++stats.merged_samples;
  }
  p.samples = std::move(kept);
  p.stack_keys = std::move(keys);
  compactor.Finish();
  return stats;
}

}  // namespace flamedb::distributor
