#include "distributor/normalize.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
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

// Removes unusable locations; returns the ids of those that remain.
std::unordered_set<uint64_t> KeepValidLocations(model::Profile& p) {
  std::unordered_set<uint64_t> functions;
  for (const model::Function& f : p.functions) {
    functions.insert(f.id);
  }
  std::unordered_set<uint64_t> mappings;
  for (const model::Mapping& m : p.mappings) {
    mappings.insert(m.id);
  }
  std::erase_if(p.locations, [&](const model::Location& loc) {
    if (loc.mapping_id != 0 && !mappings.count(loc.mapping_id)) {
      return true;
    }
    if (loc.lines.size == 0 && loc.address == 0) {
      return true;
    }
    for (const model::Line& line : p.Lines(loc)) {
      if (!functions.count(line.function_id)) {
        return true;
      }
    }
    return false;
  });
  std::unordered_set<uint64_t> ids;
  for (const model::Location& loc : p.locations) {
    ids.insert(loc.id);
  }
  return ids;
}

enum class Drop { kNo, kValues, kBroken };

Drop Droppable(const model::Profile& p, const model::Sample& s,
               const std::unordered_set<uint64_t>& locations) {
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
  for (uint64_t id : p.LocationIds(s)) {
    if (!locations.count(id)) {
      return Drop::kBroken;
    }
  }
  return Drop::kNo;
}

// Hash and equality of a sample's identity: its stack and its (sorted) string labels.
struct SampleKey {
  const model::Profile* p;
  const model::Sample* s;
};
struct SampleKeyHash {
  size_t operator()(const SampleKey& k) const {
    size_t h = 1469598103934665603ULL;
    auto mix = [&](uint64_t v) { h = (h ^ v) * 1099511628211ULL; };
    for (uint64_t id : k.p->LocationIds(*k.s)) mix(id);
    mix(~0ULL);
    for (const model::Label& l : k.p->Labels(*k.s)) {
      mix(std::hash<std::string_view>()(k.p->String(l.key)));
      mix(std::hash<std::string_view>()(k.p->String(l.str)));
    }
    return h;
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

NormalizeStats NormalizeProfile(model::Profile& p) {
  NormalizeStats stats;
  NormalizeSampleLabels(p);
  const std::unordered_set<uint64_t> locations = KeepValidLocations(p);
  // The index holds pointers into `kept`; reserving all it can ever hold keeps them valid.
  std::vector<model::Sample> kept;
  kept.reserve(p.samples.size());
  std::unordered_map<SampleKey, size_t, SampleKeyHash, SampleKeyEq> index;
  index.reserve(p.samples.size());
  for (const model::Sample& s : p.samples) {
    if (const Drop drop = Droppable(p, s, locations); drop != Drop::kNo) {
      ++stats.dropped_samples;
      stats.broken_samples += drop == Drop::kBroken ? 1 : 0;
      continue;
    }
    kept.push_back(s);
    auto [it, inserted] = index.try_emplace(SampleKey{&p, &kept.back()}, kept.size() - 1);
    if (inserted) {
      continue;
    }
    // Same identity: add the values into the first occurrence and forget this one.
    const model::Sample& first = kept[it->second];
    for (uint32_t i = 0; i < s.values.size; ++i) {
      int64_t& sum = p.values[first.values.begin + i];
      if (__builtin_add_overflow(sum, p.values[s.values.begin + i], &sum)) {
        sum = INT64_MAX;  // Both are non-negative here, so only upward overflow is possible.
      }
    }
    kept.pop_back();
    ++stats.merged_samples;
  }
  p.samples = std::move(kept);
  ZeroSymbolizedAddresses(p);
  return stats;
}

}  // namespace flamedb::distributor
