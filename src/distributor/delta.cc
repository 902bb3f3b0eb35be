#include "distributor/delta.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "base/radix_sort.h"
#include "model/stack_key.h"

namespace flamedb::distributor {
namespace {

uint64_t HashBytes(std::string_view bytes) {  // FNV-1a, never 0.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  return h | 1;
}

void Mix(uint64_t& h, uint64_t v) { h = (h ^ v) * 0x9e3779b97f4a7c15ULL + 0x632be5ab; }

// What the delta tells a sample's stack by: its content key (model::StackKey), which stays the
// same from one profile of a process to the next where pprof ids do not, mixed with its labels.
uint64_t DeltaKey(const model::Profile& p, const model::Sample& s, const model::StackKey& stack) {
  uint64_t h = stack.a;
  for (const model::Label& l : p.Labels(s)) {
    Mix(h, HashBytes(p.String(l.key)));
    Mix(h, HashBytes(p.String(l.str)));
  }
  return h;
}

// A sample's stack hash and index, sorted by hash then index: the first of a run of equal
// hashes is the stack's first sample in the profile.
struct Keyed {
  uint64_t stack;
  uint32_t sample;
  bool operator<(const Keyed& o) const {
    return stack != o.stack ? stack < o.stack : sample < o.sample;
  }
};

// The profile's samples by stack, and their summed `columns` values per stack. run_start[k]
// indexes `keyed` where stack k's samples start (one extra entry ends the last run).
struct ByStack {
  std::vector<Keyed> keyed;
  std::vector<uint32_t> run_start;
  CumulativeValues sums;
};

ByStack GroupByStack(const model::Profile& p, const std::vector<size_t>& columns) {
  const size_t width = columns.size();
  ByStack g;
  g.sums.columns = width;
  g.keyed.resize(p.samples.size());
  std::vector<model::StackKey> computed;  // Only for a profile normalization did not key.
  if (p.stack_keys.size() != p.samples.size()) computed = model::KeyStacks(p);
  const std::vector<model::StackKey>& stacks = computed.empty() ? p.stack_keys : computed;
  for (uint32_t i = 0; i < g.keyed.size(); ++i) {
    g.keyed[i] = {DeltaKey(p, p.samples[i], stacks[i]), i};
  }
  // Stable radix passes by the low, then the high half of the hash: the items start in sample
  // order, so equal hashes stay in it. A comparison sort's unpredictable branches cost 2-3x.
  std::vector<Keyed> scratch;
  base::RadixSortBy(g.keyed, scratch, [](const Keyed& k) { return static_cast<uint32_t>(k.stack); });
  base::RadixSortBy(g.keyed, scratch,
                    [](const Keyed& k) { return static_cast<uint32_t>(k.stack >> 32); });
  for (uint32_t i = 0; i < g.keyed.size(); ++i) {
    if (g.sums.stacks.empty() || g.sums.stacks.back() != g.keyed[i].stack) {
      g.sums.stacks.push_back(g.keyed[i].stack);
      g.sums.values.resize(g.sums.values.size() + width, 0);
      g.run_start.push_back(i);
    }
    const auto v = p.Values(p.samples[g.keyed[i].sample]);
    int64_t* sum = g.sums.values.data() + g.sums.values.size() - width;
    for (size_t c = 0; c < width; ++c) sum[c] += v[columns[c]];
  }
  g.run_start.push_back(static_cast<uint32_t>(g.keyed.size()));
  return g;
}

constexpr size_t kNone = ~size_t{0};

// For each stack of `current`, its index in `previous` or kNone (a merge join). Empty when a
// value went down, which means the process restarted.
std::optional<std::vector<size_t>> MatchPrevious(const CumulativeValues& previous,
                                                 const CumulativeValues& current) {
  const size_t width = current.columns;
  std::vector<size_t> prev_of(current.stacks.size(), kNone);
  for (size_t k = 0, j = 0; k < current.stacks.size(); ++k) {
    while (j < previous.stacks.size() && previous.stacks[j] < current.stacks[k]) ++j;
    if (j == previous.stacks.size() || previous.stacks[j] != current.stacks[k]) continue;
    prev_of[k] = j;
    for (size_t c = 0; c < width; ++c) {
      if (current.values[k * width + c] < previous.values[j * width + c]) return std::nullopt;
    }
  }
  return prev_of;
}

// Writes each stack's growth since `previous` into its first sample's alloc_* values (further
// samples of the same stack get 0).
void AssignGrowth(const std::vector<size_t>& columns, const ByStack& g,
                  const CumulativeValues& previous, const std::vector<size_t>& prev_of,
                  model::Profile& p) {
  const size_t width = columns.size();
  for (size_t k = 0; k < g.sums.stacks.size(); ++k) {
    const size_t j = prev_of[k];
    for (uint32_t r = g.run_start[k]; r < g.run_start[k + 1]; ++r) {
      const model::Sample& s = p.samples[g.keyed[r].sample];
      for (size_t c = 0; c < width; ++c) {
        const int64_t before = j == kNone ? 0 : previous.values[j * width + c];
        p.values[s.values.begin + columns[c]] =
            r == g.run_start[k] ? g.sums.values[k * width + c] - before : 0;
      }
    }
  }
}

// `previous` moved forward by `current`: stacks absent from `current` keep their last values.
CumulativeValues Merged(const CumulativeValues& previous, const CumulativeValues& current) {
  const size_t width = current.columns;
  CumulativeValues merged{width, {}, {}};
  merged.stacks.reserve(previous.stacks.size() + current.stacks.size());
  merged.values.reserve(merged.stacks.capacity() * width);
  const auto take = [&merged, width](const CumulativeValues& from, size_t i) {
    merged.stacks.push_back(from.stacks[i]);
    merged.values.insert(merged.values.end(), from.values.begin() + i * width,
                         from.values.begin() + (i + 1) * width);
  };
  size_t j = 0;
  for (size_t k = 0; k < current.stacks.size(); ++k) {
    while (j < previous.stacks.size() && previous.stacks[j] < current.stacks[k]) take(previous, j++);
    if (j < previous.stacks.size() && previous.stacks[j] == current.stacks[k]) ++j;
    take(current, k);
  }
  while (j < previous.stacks.size()) take(previous, j++);
  return merged;
}

// Tells the WAL what the delta did, so that replay does it again without the tracker's state.
void Note(model::Profile& p, model::Received::Delta what, const std::vector<size_t>& columns) {
  if (!p.received) return;
  p.received->delta = what;
  p.received->delta_columns.assign(columns.begin(), columns.end());
}

}  // namespace

void RemoveSampleTypes(model::Profile& p, const std::vector<size_t>& columns) {
  std::vector<int64_t> values;
  values.reserve(p.values.size());
  for (model::Sample& s : p.samples) {
    const uint32_t begin = static_cast<uint32_t>(values.size());
    const auto old = p.Values(s);
    for (size_t i = 0; i < old.size(); ++i) {
      if (!std::binary_search(columns.begin(), columns.end(), i)) {
        values.push_back(old[i]);
      }
    }
    s.values = {begin, static_cast<uint32_t>(values.size() - begin)};
  }
  p.values = std::move(values);
  for (auto it = columns.rbegin(); it != columns.rend(); ++it) {
    p.sample_types.erase(p.sample_types.begin() + static_cast<std::ptrdiff_t>(*it));
  }
}

bool DeltaTracker::Applies(const model::Labels& labels) {
  return labels.Get(model::kMetricNameLabel) == "memory" &&
         labels.Get(model::kDeltaLabel).value_or("") != "false";
}

bool DeltaTracker::Apply(std::string_view tenant, const model::Labels& labels,
                         model::Profile& p) {
  std::vector<size_t> columns;
  for (size_t i = 0; i < p.sample_types.size(); ++i) {
    const std::string_view type = p.String(p.sample_types[i].type);
    if (type == "alloc_objects" || type == "alloc_space") {
      columns.push_back(i);
    }
  }
  if (columns.empty()) {
    return true;
  }
  ByStack g = GroupByStack(p, columns);
  const std::string key = std::string(tenant) + '\n' + labels.ToString();
  base::MutexLock lock(mu_);
  auto it = series_.find(key);
  if (it == series_.end()) {
    if (series_.size() >= max_series_ && !order_.empty()) {
      series_.erase(order_.front());
      order_.erase(order_.begin());
    }
    series_.emplace(key, std::move(g.sums));
    order_.push_back(key);
    RemoveSampleTypes(p, columns);  // The baseline: no growth to store yet.
    Note(p, model::Received::Delta::kRemoved, columns);
    return !p.sample_types.empty();
  }
  CumulativeValues& previous = it->second;
  std::optional<std::vector<size_t>> prev_of;
  if (previous.columns == columns.size()) prev_of = MatchPrevious(previous, g.sums);
  if (!prev_of) {
    previous = std::move(g.sums);  // A restart (or other sample types): a new baseline.
    RemoveSampleTypes(p, columns);
    Note(p, model::Received::Delta::kRemoved, columns);
    return !p.sample_types.empty();
  }
  AssignGrowth(columns, g, previous, *prev_of, p);
  Note(p, model::Received::Delta::kGrowth, columns);
  previous = Merged(previous, g.sums);
  return true;
}

}  // namespace flamedb::distributor
