// Foreground demand for the CPU, and background work that steps aside for it.
//
// On two cores a head's cut (seconds of one core) left requests one core, and at half of the
// maximum ingest rate that is at capacity: acknowledgements queued for tens of milliseconds
// while a cut ran (docs/performance.md). Requests count themselves in a CpuDemand; a cut asks
// its Pacer between rows, which sleeps while the requests need every core.
#pragma once

#include <atomic>
#include <functional>

#include "base/clock.h"
#include "base/duration.h"

namespace flamedb::base {

// How many requests are being handled or wait for a handler thread, less those blocked on I/O
// (a WAL fsync). Thread-safe, lock-free; lives as long as everything that counts in it.
class CpuDemand {
 public:
  // Counts one request for the scope's lifetime.
  class Scope {
   public:
    explicit Scope(CpuDemand* demand) : demand_(demand) { Add(demand_, 1); }
    ~Scope() { Add(demand_, -1); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CpuDemand* demand_;
  };
  // Uncounts one request while it waits for I/O and not for the CPU (inside a Scope).
  class Waiting {
   public:
    explicit Waiting(CpuDemand* demand) : demand_(demand) { Add(demand_, -1); }
    ~Waiting() { Add(demand_, 1); }
    Waiting(const Waiting&) = delete;
    Waiting& operator=(const Waiting&) = delete;

   private:
    CpuDemand* demand_;
  };

  int busy() const { return busy_.load(std::memory_order_relaxed); }

 private:
  static void Add(CpuDemand* demand, int n) {
    if (demand != nullptr)
      demand->busy_.fetch_add(n, std::memory_order_relaxed);
  }
  std::atomic<int> busy_{0};
};

// The cores this process may run on: its CPU affinity, which taskset or a container's cpuset
// narrows (std::thread::hardware_concurrency counts every online core). At least 1.
int UsableCores();

struct PacerOptions {
  // Step() pauses while at least this many requests count (the cores they can keep busy).
  int cores = 2;
  // Pauses add up to at most this many times the time worked, so that under a load that never
  // relents the work still advances (at a quarter of its speed with 3).
  double max_pause_per_work = 3;
  Duration slice = std::chrono::microseconds(500);  // One sleep while paused.
  // Asked (at most once per `hurry_check`) when Step() would pause; once it returns true the
  // work pauses no more. A cut hurries once the next head has grown large: one that waited
  // while the requests never relented would let the heads grow past the memory they may take.
  std::function<bool()> hurry = nullptr;
  Duration hurry_check = std::chrono::milliseconds(10);
};

// What background work calls between two small steps (a row of a block: a fraction of a
// millisecond); it may block there to give way to other work.
class Pacer {
 public:
  virtual ~Pacer() = default;
  virtual void Step() = 0;
  // How long Step() has blocked in all.
  virtual Duration paused() const = 0;
};

// Makes one piece of background work (one cut) give way to the requests of a CpuDemand. Not
// thread-safe: one per piece of work, used by the thread doing it.
class DemandPacer final : public Pacer {
 public:
  using Sleep = std::function<void(Duration)>;
  // `sleep` defaults to std::this_thread::sleep_for (tests pass one that advances a fake
  // clock). `demand` and `clock` must outlive the pacer.
  DemandPacer(const CpuDemand& demand, const Clock& clock, PacerOptions options = {},
              Sleep sleep = nullptr);

  // Returns at once unless the requests need every core, else once they don't or the pause
  // budget is spent.
  void Step() override;
  bool hurrying() const { return hurrying_; }
  Duration paused() const override { return paused_; }
  Duration worked() const { return worked_; }

 private:
  // False once options_.hurry said so.
  bool MayPause(std::chrono::steady_clock::time_point now);

  const CpuDemand& demand_;
  const Clock& clock_;
  const PacerOptions options_;
  Sleep sleep_;
  std::chrono::steady_clock::time_point last_;  // When the work last resumed.
  Duration worked_{0};
  Duration paused_{0};
  bool hurrying_ = false;
  std::chrono::steady_clock::time_point hurry_checked_;  // The last call of options_.hurry.
};

}  // namespace flamedb::base
