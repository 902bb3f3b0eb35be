// A ProfileSink that keeps, per tenant and series, how many profiles arrived and the total of
// every sample type. It stands in for the ingester until storage exists (issue #4), so that
// operators and the end-to-end tests can see what was accepted (GET /debug/ingested).
#pragma once

#include <map>
#include <string>

#include "base/mutex.h"
#include "distributor/sink.h"

namespace flamedb::distributor {

// Thread-safe. Memory is bounded: at most `max_series_per_tenant` series are tracked per tenant;
// later new series are counted in `untracked_profiles` only.
class RecordingSink final : public ProfileSink {
 public:
  explicit RecordingSink(size_t max_series_per_tenant = 10000)
      : max_series_(max_series_per_tenant) {}

  Status Append(std::string_view tenant, std::vector<SeriesProfile> profiles) override
      EXCLUDES(mu_);

  // JSON: {"series":[{"labels":{...},"profiles":N,"totals":{"<profile type id>":sum}}],
  // "untracked_profiles":N} for `tenant` only.
  std::string Json(std::string_view tenant) const EXCLUDES(mu_);

 private:
  struct Series {
    model::Labels labels;
    int64_t profiles = 0;
    std::map<std::string, int64_t> totals;
  };
  struct Tenant {
    std::map<std::string, Series> series;  // By labels.ToString().
    int64_t untracked_profiles = 0;
  };
  const size_t max_series_;
  mutable base::Mutex mu_;
  std::map<std::string, Tenant, std::less<>> tenants_ GUARDED_BY(mu_);
};

}  // namespace flamedb::distributor
