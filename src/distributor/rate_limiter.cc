#include "distributor/rate_limiter.h"

#include <algorithm>

namespace flamedb::distributor {

bool RateLimiter::Allow(const std::string& tenant, double cost, double rate, double burst,
                        std::chrono::steady_clock::time_point now) {
  base::MutexLock lock(mu_);
  Bucket& b = buckets_[tenant];
  if (!b.initialized) {
    b = Bucket{burst, now, true};
  }
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst, b.tokens + std::max(0.0, elapsed) * rate);
  b.last = std::max(b.last, now);
  if (b.tokens < cost) {
    return false;
  }
  b.tokens -= cost;
  return true;
}

}  // namespace flamedb::distributor
