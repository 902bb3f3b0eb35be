// What a load run measured: acknowledgement latencies, outcomes by status, and the server
// process's CPU and memory sampled from /proc while the load ran.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flamedb::loadgen {

// Counters of acknowledged uploads and the latency of every upload in the measured window.
// Not thread-safe: the load runs on one thread.
struct Recorder {
  std::vector<uint32_t> latencies_us;  // Of every answered request, in completion order.
  std::map<int, int64_t> by_status;    // HTTP status, 0 for a transport error.
  std::map<std::string, int64_t> transport_errors;
  int64_t acked = 0;           // 2xx answers.
  int64_t acked_gz_bytes = 0;  // Compressed profile bytes of the acknowledged uploads.
  int64_t acked_raw_bytes = 0;
  int64_t acked_samples = 0;
  std::map<std::string, int64_t> acked_by_shape;
  // Latencies by upload kind ("multipart go heap", ...), to tell which uploads make the tail.
  std::map<std::string, std::vector<uint32_t>> latencies_by_kind_us;
  // Latencies by the second of the recorded window in which each upload was scheduled, to
  // line the tail up with what the server did then (a head's cut, a compaction: its log).
  std::map<int64_t, std::vector<uint32_t>> latencies_by_second_us;

  // The q-quantile (0..1) of `latencies` in microseconds (nearest rank); 0 when empty.
  static double Quantile(std::vector<uint32_t> latencies, double q);
  double LatencyQuantileUs(double q) const { return Quantile(latencies_us, q); }
};

// CPU and RSS of one process, read from /proc/<pid>/stat and /proc/<pid>/status.
struct ProcSample {
  double cpu_seconds = 0;  // utime + stime.
  int64_t rss_bytes = 0;
  bool ok = false;
};
ProcSample ReadProc(int pid);

// Samples a process periodically and keeps the figures of the run.
struct ProcTrack {
  ProcSample first, last;
  int64_t peak_rss = 0;
  void Add(const ProcSample& s);
  // Average cores used between the first and the last sample over `seconds` of wall time.
  double Cores(double seconds) const;
};

// The whole machine's CPU time from /proc/stat, in clock ticks: what the hypervisor took
// (steal) tells whether a run on a shared host measured the server or its neighbours.
struct MachineSample {
  double total = 0;  // Every state: user, nice, system, idle, iowait, irq, softirq, steal.
  double steal = 0;
  bool ok = false;
};
MachineSample ReadMachine();

struct MachineTrack {
  MachineSample first, last;
  void Add(const MachineSample& s);
  // The share of CPU time stolen between the first and the last sample (0..1).
  double StealFraction() const;
};

}  // namespace flamedb::loadgen
