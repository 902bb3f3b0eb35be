#include "base/cpu_demand.h"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace flamedb::base {

int UsableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

DemandPacer::DemandPacer(const CpuDemand& demand, const Clock& clock, PacerOptions options,
                         Sleep sleep)
    : demand_(demand),
      clock_(clock),
      options_(options),
      sleep_(sleep != nullptr ? std::move(sleep)
                              : Sleep([](Duration d) { std::this_thread::sleep_for(d); })),
      last_(clock.SteadyNow()),
      hurry_checked_(last_ - options_.hurry_check) {}

bool DemandPacer::MayPause(std::chrono::steady_clock::time_point now) {
  if (hurrying_)
    return false;
  if (options_.hurry != nullptr && now - hurry_checked_ >= options_.hurry_check) {
    hurry_checked_ = now;
    hurrying_ = options_.hurry();
  }
  return !hurrying_;
}

void DemandPacer::Step() {
  auto now = clock_.SteadyNow();
  worked_ += now - last_;
  const auto budget = std::chrono::duration_cast<Duration>(worked_ * options_.max_pause_per_work);
  while (demand_.busy() >= options_.cores && paused_ < budget && MayPause(now)) {
    sleep_(options_.slice);
    const auto after = clock_.SteadyNow();
    paused_ += after - now;
    now = after;
  }
  last_ = now;
}

}  // namespace flamedb::base
