// A token bucket per tenant over bytes of uncompressed profile data (spec §2.4.2).
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

#include "base/mutex.h"

namespace flamedb::distributor {

// Thread-safe.
class RateLimiter {
 public:
  // Takes `cost` bytes from `tenant`'s bucket, refilled at `rate` bytes/s up to `burst` bytes.
  // Returns false (taking nothing) when the bucket holds less than `cost`.
  bool Allow(const std::string& tenant, double cost, double rate, double burst,
             std::chrono::steady_clock::time_point now) EXCLUDES(mu_);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last{};
    bool initialized = false;
  };
  base::Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ GUARDED_BY(mu_);
};

}  // namespace flamedb::distributor
