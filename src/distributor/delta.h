// Server-side delta for cumulative allocation profiles (spec §2.4.7): old Grafana Agent / Alloy
// scrapes send Go heap profiles whose alloc_* columns count since process start.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "model/labels.h"
#include "model/profile.h"

namespace flamedb::distributor {

// A series' cumulative alloc_* values: `columns` values per stack hash, the hashes ascending and
// unique, so a profile is compared and merged with one linear pass and no per-stack allocation.
struct CumulativeValues {
  size_t columns = 0;
  std::vector<uint64_t> stacks;
  std::vector<int64_t> values;  // stacks.size() * columns.
};

// Remembers, per tenant and series, the last cumulative alloc_objects/alloc_space value of every
// stack. Thread-safe. Memory is bounded: at most `max_series` series are remembered; beyond that
// the least recently added is forgotten (its next profile becomes a new baseline).
// Removes sample types `columns` (ascending, each < sample_types.size()) and their values from
// every sample of `p`.
void RemoveSampleTypes(model::Profile& p, const std::vector<size_t>& columns);

class DeltaTracker {
 public:
  explicit DeltaTracker(size_t max_series = 10000) : max_series_(max_series) {}

  // True when `labels` ask for server-side delta: __name__ is memory and __delta__ is not
  // "false".
  static bool Applies(const model::Labels& labels);

  // Replaces the cumulative alloc_* values of `profile` by their growth since the series' last
  // profile. When there is no growth to compute (the first profile of the series, which becomes
  // the baseline, or a value went down because the process restarted) the alloc_* sample types
  // are removed from `profile` instead, as Pyroscope stores nothing for those series then; the
  // other sample types (inuse_*) stay. Returns false when no sample type is left to store.
  bool Apply(std::string_view tenant, const model::Labels& labels, model::Profile& profile)
      EXCLUDES(mu_);

 private:
  const size_t max_series_;
  base::Mutex mu_;
  std::unordered_map<std::string, CumulativeValues> series_ GUARDED_BY(mu_);
  std::vector<std::string> order_ GUARDED_BY(mu_);  // Insertion order, for eviction.
};

}  // namespace flamedb::distributor
