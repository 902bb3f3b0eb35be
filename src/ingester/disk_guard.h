// Refuses writes while the data volume is nearly full, before the WAL or a block upload can hit
// ENOSPC half-way: a 503 that says so, lifted by itself once space returns.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "base/status.h"

namespace flamedb::ingester {

// Free bytes on the volume holding `path`.
using FreeSpaceFn = std::function<Result<uint64_t>(const std::string& path)>;
Result<uint64_t> StatFreeSpace(const std::string& path);

// Thread-safe. Checks the volumes at most once per `interval`, so a push costs a clock read.
class DiskGuard {
 public:
  DiskGuard(std::vector<std::string> paths, uint64_t min_free_bytes, const base::Clock& clock,
            base::MetricsRegistry& metrics, FreeSpaceFn free_space = StatFreeSpace,
            std::chrono::milliseconds interval = std::chrono::seconds(1));

  // OK while every path has at least the minimum free. Errors: kUnavailable naming the path,
  // its free space and the minimum.
  Status Check() EXCLUDES(mu_);

 private:
  const std::vector<std::string> paths_;
  const uint64_t min_free_bytes_;
  const base::Clock& clock_;
  const FreeSpaceFn free_space_;
  const std::chrono::milliseconds interval_;
  base::Gauge& low_;
  base::Mutex mu_;
  std::chrono::steady_clock::time_point checked_ GUARDED_BY(mu_);
  bool ever_checked_ GUARDED_BY(mu_) = false;
  Status status_ GUARDED_BY(mu_);
};

}  // namespace flamedb::ingester
