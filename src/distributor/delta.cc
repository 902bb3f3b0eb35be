#include "distributor/delta.h"

#include <algorithm>

namespace flamedb::distributor {
namespace {

// Hashes samples by their symbolized stack and labels: location ids are not stable from one
// profile of a process to the next, function names and lines are.
class StackHasher {
 public:
  explicit StackHasher(const model::Profile& p) : p_(p) {
    for (size_t i = 0; i < p.locations.size(); ++i) {
      locations_.emplace(p.locations[i].id, i);
    }
    for (size_t i = 0; i < p.functions.size(); ++i) {
      functions_.emplace(p.functions[i].id, i);
    }
  }

  uint64_t operator()(const model::Sample& s) const {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (uint64_t id : p_.LocationIds(s)) {
      auto loc = locations_.find(id);
      if (loc == locations_.end()) {
        continue;
      }
      const model::Location& location = p_.locations[loc->second];
      for (const model::Line& line : p_.Lines(location)) {
        auto f = functions_.find(line.function_id);
        Mix(h, f == functions_.end() ? std::string_view() : p_.String(p_.functions[f->second].name));
        Mix(h, static_cast<uint64_t>(line.line));
      }
      if (location.lines.size == 0) {
        Mix(h, location.address);
      }
    }
    for (const model::Label& l : p_.Labels(s)) {
      Mix(h, p_.String(l.key));
      Mix(h, p_.String(l.str));
    }
    return h;
  }

 private:
  static void Mix(uint64_t& h, std::string_view bytes) {
    for (char c : bytes) {
      h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
    }
    Mix(h, uint64_t{0xff});
  }
  static void Mix(uint64_t& h, uint64_t v) { h = (h ^ v) * 0x9e3779b97f4a7c15ULL; }

  const model::Profile& p_;
  std::unordered_map<uint64_t, size_t> locations_;
  std::unordered_map<uint64_t, size_t> functions_;
};

// Removes sample types `columns` (ascending) and their values from every sample.
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

}  // namespace

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
  const StackHasher hash(p);
  Values current;  // Cumulative values of this profile, by stack.
  for (const model::Sample& s : p.samples) {
    std::vector<int64_t>& v = current[hash(s)];
    v.resize(columns.size());
    for (size_t c = 0; c < columns.size(); ++c) {
      v[c] += p.Values(s)[columns[c]];
    }
  }
  const std::string key = std::string(tenant) + '\n' + labels.ToString();
  base::MutexLock lock(mu_);
  auto it = series_.find(key);
  if (it == series_.end()) {
    if (series_.size() >= max_series_ && !order_.empty()) {
      series_.erase(order_.front());
      order_.erase(order_.begin());
    }
    series_.emplace(key, std::move(current));
    order_.push_back(key);
    RemoveSampleTypes(p, columns);  // The baseline: no growth to store yet.
    return !p.sample_types.empty();
  }
  Values& previous = it->second;
  for (const auto& [stack, values] : current) {
    auto prev = previous.find(stack);
    for (size_t c = 0; prev != previous.end() && c < values.size(); ++c) {
      if (values[c] < prev->second[c]) {
        previous = std::move(current);  // A restart: this profile is the new baseline.
        RemoveSampleTypes(p, columns);
        return !p.sample_types.empty();
      }
    }
  }
  // A stack's growth goes to its first sample; further samples of the same stack get 0.
  std::unordered_map<uint64_t, bool> assigned;
  for (const model::Sample& s : p.samples) {
    const uint64_t stack = hash(s);
    const bool first = assigned.emplace(stack, true).second;
    const std::vector<int64_t>& cur = current.at(stack);
    auto prev = previous.find(stack);
    for (size_t c = 0; c < columns.size(); ++c) {
      p.values[s.values.begin + columns[c]] =
          first ? cur[c] - (prev == previous.end() ? 0 : prev->second[c]) : 0;
    }
  }
  // Stacks absent from this profile keep their last value; the others move forward.
  for (auto& [stack, values] : current) {
    previous[stack] = std::move(values);
  }
  return true;
}

}  // namespace flamedb::distributor
