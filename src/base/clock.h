// The injected clock: production code reads time only through a Clock, so tests control it.
#pragma once

#include <chrono>

namespace flamedb::base {

// Thread-safe. Implementations live as long as the process (RealClock) or the test (FakeClock
// in testing/fake_clock.h).
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that leave the process (logs, profiles, settings).
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time, for durations and deadlines.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
};

class RealClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace flamedb::base
