// Accumulates JFR samples into one pprof-shaped profile (internal to the JFR conversion): one
// function per distinct frame name, one location per (function, line), one sample per distinct
// (stack, labels), its values summed. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/profile.h"

namespace flamedb::ingest::jfr {

struct SampleType {
  std::string_view type, unit;
};

// One kind of profile the conversion makes.
struct ProfileKind {
  std::string_view metric;
  std::vector<SampleType> sample_types;
  SampleType period_type;  // Empty: none.
  bool per_period = false; // Values are counts of the sampling period (CPU and wall).
};

// A sample's labels, as (key, value) string indexes of the builder's profile.
using SampleLabels = std::vector<std::pair<int64_t, int64_t>>;

class Builder {
 public:
  Builder(const ProfileKind& kind, int64_t period, int64_t time_nanos, int64_t duration_nanos);

  int64_t String(std::string_view s);
  uint64_t Location(std::string_view function, int64_t line);

  // Adds `values` to the sample of `stack` (location ids, leaf first) and `labels`. `key`
  // identifies the stack for re-use within one chunk (see NewChunk).
  void Add(uint64_t key, std::span<const uint64_t> stack, const SampleLabels& labels,
           std::span<const int64_t> values);

  // Stack ids are only unique within one chunk: the caches keyed by them start again.
  void NewChunk() {
    stack_locations_.clear();
    samples_.clear();
  }
  std::unordered_map<int64_t, std::vector<uint64_t>>& stack_locations() {
    return stack_locations_;
  }

  bool empty() const { return profile_.samples.empty(); }
  const ProfileKind& kind() const { return kind_; }
  model::Profile Build() && { return std::move(profile_); }

 private:
  const ProfileKind& kind_;
  model::Profile profile_;
  std::unordered_map<std::string_view, int64_t> strings_;
  std::unordered_map<std::string_view, uint64_t> functions_;  // Name -> function id.
  std::map<std::pair<uint64_t, int64_t>, uint64_t> locations_;
  std::map<std::pair<uint64_t, SampleLabels>, uint32_t> samples_;  // (stack key, labels).
  std::unordered_map<int64_t, std::vector<uint64_t>> stack_locations_;
};

}  // namespace flamedb::ingest::jfr
