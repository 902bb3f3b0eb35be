#include "distributor/delta.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "base/radix_sort.h"

namespace flamedb::distributor {
namespace {

// Hashes samples by their symbolized stack and labels: location ids are not stable from one
// profile of a process to the next, function names and lines are. Each location's hash is
// computed once per profile (from its functions' names and lines, or its address), so a sample
// costs one multiply per frame.
class StackHasher {
 public:
  explicit StackHasher(const model::Profile& p) : p_(p) {
    std::unordered_map<uint64_t, uint64_t> function_hash;
    for (const model::Function& f : p.functions) function_hash[f.id] = Bytes(p.String(f.name));
    for (const model::Location& location : p.locations) {
      uint64_t h = 0x84222325cbf29ce4ULL;
      for (const model::Line& line : p.Lines(location)) {
        auto f = function_hash.find(line.function_id);
        Mix(h, f == function_hash.end() ? Bytes({}) : f->second);
        Mix(h, static_cast<uint64_t>(line.line));
      }
      if (location.lines.size == 0) Mix(h, location.address);
      if (location.id < kDenseIds) {
        if (dense_.size() <= location.id) dense_.resize(location.id + 1, kMissing);
        dense_[location.id] = h;
      } else {
        sparse_[location.id] = h;
      }
    }
  }

  uint64_t operator()(const model::Sample& s) const {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (uint64_t id : p_.LocationIds(s)) {
      const uint64_t location = Location(id);
      if (location != kMissing) Mix(h, location);
    }
    return WithLabels(p_, s, h);
  }

  // `h` (a stack's hash) mixed with the sample's labels.
  static uint64_t WithLabels(const model::Profile& p, const model::Sample& s, uint64_t h) {
    for (const model::Label& l : p.Labels(s)) {
      Mix(h, Bytes(p.String(l.key)));
      Mix(h, Bytes(p.String(l.str)));
    }
    return h;
  }

 private:
  static constexpr uint64_t kDenseIds = 1 << 20;  // pprof ids are usually 1..n.
  static constexpr uint64_t kMissing = 0;          // Location hashes are never 0 in practice.

  uint64_t Location(uint64_t id) const {
    if (id < dense_.size()) return dense_[id];
    auto it = sparse_.find(id);
    return it == sparse_.end() ? kMissing : it->second;
  }
  static uint64_t Bytes(std::string_view bytes) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : bytes) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
    return h | 1;
  }
  static void Mix(uint64_t& h, uint64_t v) { h = (h ^ v) * 0x9e3779b97f4a7c15ULL + 0x632be5ab; }

  const model::Profile& p_;
  std::vector<uint64_t> dense_;
  std::unordered_map<uint64_t, uint64_t> sparse_;
};

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
  if (p.stack_keys.size() == p.samples.size()) {
    // Normalization's keys: stacks by what their locations are, which is stable from one profile
    // of a process to the next (pprof ids are not).
    for (uint32_t i = 0; i < g.keyed.size(); ++i) {
      g.keyed[i] = {StackHasher::WithLabels(p, p.samples[i], p.stack_keys[i].a), i};
    }
  } else {
    const StackHasher hash(p);
    for (uint32_t i = 0; i < g.keyed.size(); ++i) g.keyed[i] = {hash(p.samples[i]), i};
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
