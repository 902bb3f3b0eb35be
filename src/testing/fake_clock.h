// A Clock that tests move by hand.
#pragma once

#include <atomic>

#include "base/clock.h"

namespace flamedb::testing {

// Starts at 2026-01-02T03:04:05Z (wall) and an arbitrary monotonic origin. Thread-safe.
class FakeClock final : public base::Clock {
 public:
  FakeClock() = default;

  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::nanoseconds(kStart + offset_.load(std::memory_order_relaxed)));
  }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::time_point(
        std::chrono::nanoseconds(offset_.load(std::memory_order_relaxed)));
  }
  void Advance(std::chrono::nanoseconds d) {
    offset_.fetch_add(d.count(), std::memory_order_relaxed);
  }

 private:
  static constexpr int64_t kStart = 1767323045LL * 1000000000LL;
  std::atomic<int64_t> offset_{0};
};

}  // namespace flamedb::testing
