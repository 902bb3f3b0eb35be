// The in-memory head of one tenant: series, symbol partitions per service, and profile rows
// (design §5 "head"). Each sample type of a profile becomes its own series, as in Pyroscope
// (spec §2.4.8), so one row has one value per stack.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "head/series_index.h"
#include "model/labels.h"
#include "model/profile.h"
#include "symdb/partition.h"

namespace flamedb::head {

// One profile of one series.
struct ProfileRow {
  uint32_t series = 0;
  uint32_t partition = 0;   // The symbol partition (service) the stacks belong to.
  int64_t time_nanos = 0;
  std::vector<uint32_t> stacks;  // Partition stack ids.
  std::vector<int64_t> values;   // One per stack.
  int64_t total = 0;
};

// Per-series totals for the debug view: labels without the per-sample-type labels, profiles, and
// the total of each profile type.
struct SeriesSummary {
  model::Labels labels;
  int64_t profiles = 0;
  std::map<std::string, int64_t> totals;  // By profile type id.
};

// Thread-safe: appends take a lock; readers take it too (snapshots come with queries, #5).
class Head {
 public:
  Head() = default;

  // Stores `samples` (empty: all) of `profile` under series `labels` (request labels; the
  // per-sample-type labels are added here). Errors: kResourceExhausted when new series would
  // pass `max_series` (0: no limit); nothing is stored then.
  Status Append(const model::Labels& labels, const model::Profile& profile,
                const std::vector<uint32_t>& samples, size_t max_series = 0) EXCLUDES(mu_);

  // How many of the series of `labels` x `profile`'s sample types do not exist yet.
  size_t NewSeries(const model::Labels& labels, const model::Profile& profile) const
      EXCLUDES(mu_);
  size_t series() const EXCLUDES(mu_);

  std::vector<SeriesSummary> Summaries() const EXCLUDES(mu_);
  size_t rows() const EXCLUDES(mu_);

 private:
  uint32_t PartitionFor(std::string_view service) REQUIRES(mu_);

  mutable base::Mutex mu_;
  SeriesIndex series_ GUARDED_BY(mu_);
  std::vector<std::unique_ptr<symdb::Partition>> partitions_ GUARDED_BY(mu_);
  std::map<std::string, uint32_t, std::less<>> partition_by_service_ GUARDED_BY(mu_);
  std::vector<ProfileRow> rows_ GUARDED_BY(mu_);
};

// The labels Pyroscope adds per sample type (spec §2.4.8).
model::Labels SampleTypeSeriesLabels(const model::Labels& labels, const model::Profile& profile,
                                     size_t type);

}  // namespace flamedb::head
