// The ingester: the ProfileSink that makes pushes durable (WAL) and queryable (the tenants'
// heads). Shutdown: stop pushes (the HTTP server drains first), then destroy.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/logging.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "distributor/limits.h"
#include "distributor/sink.h"
#include "head/head.h"
#include "wal/wal.h"

namespace flamedb::ingester {

struct IngesterOptions {
  std::string wal_dir;
  wal::SyncPolicy wal_sync = wal::SyncPolicy::kAlways;
};

// Thread-safe.
class Ingester final : public distributor::ProfileSink {
 public:
  // Opens the WAL and replays it into the heads; records that no longer apply (a series limit
  // lowered since) are logged and skipped. Errors: kFailedPrecondition (WAL directory),
  // kInternal (I/O).
  static Result<std::unique_ptr<Ingester>> Open(const IngesterOptions& options,
                                                const distributor::Overrides& overrides,
                                                base::Logger& logger,
                                                base::MetricsRegistry& metrics);

  // Checks the tenant's series limit, appends the push to the WAL (returns once durable), then
  // adds it to the head. Errors: kResourceExhausted (series limit: nothing is written),
  // kInternal (WAL I/O).
  Status Append(std::string_view tenant,
                std::vector<distributor::SeriesProfile> profiles) override EXCLUDES(mu_);

  // The JSON of GET /debug/ingested for `tenant`: per series (without the per-sample-type
  // labels) the profile count and the total of each profile type.
  std::string DebugJson(std::string_view tenant) const EXCLUDES(mu_);

 private:
  Ingester(const distributor::Overrides& overrides, base::MetricsRegistry& metrics);
  head::Head& HeadFor(std::string_view tenant) EXCLUDES(mu_);
  Status Apply(std::string_view tenant, const std::vector<distributor::SeriesProfile>& profiles,
               size_t max_series);

  const distributor::Overrides& overrides_;
  base::Counter& replayed_;
  std::unique_ptr<wal::Wal> wal_;
  mutable base::Mutex mu_;
  std::map<std::string, std::unique_ptr<head::Head>, std::less<>> heads_ GUARDED_BY(mu_);
};

}  // namespace flamedb::ingester
