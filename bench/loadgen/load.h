// The load engine: keep-alive connections on one asio thread, each sending the next upload as
// soon as its previous one is answered (closed loop, -rate=0) or at its scheduled moment on a
// fixed-rate timetable (open loop). Latency is measured from the scheduled moment, so a server
// that falls behind is charged for the queueing it causes (no coordinated omission).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "requests.h"
#include "stats.h"

namespace flamedb::loadgen {

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::string port = "4040";
  int connections = 32;
  double rate = 0;  // Uploads per second over all connections; 0 = as fast as answered.
  std::chrono::nanoseconds duration = std::chrono::seconds(30);
  std::chrono::nanoseconds warmup = std::chrono::seconds(2);  // Sent but not recorded.
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);
  int server_pid = 0;  // Sampled for CPU and RSS; 0 = not sampled.
};

// Which series uploads which payload as the n-th upload of the run.
struct Job {
  const Series* series = nullptr;
  size_t payload = 0;
};
using JobSource = std::function<Job(uint64_t n)>;

struct LoadResult {
  Recorder recorder;
  ProcTrack server, self;
  MachineTrack machine;
  double measured_seconds = 0;  // Wall time of the recorded window.
  std::chrono::system_clock::time_point recorded_from;  // Its start, as the server logs time.
  int64_t sent = 0;
};

// Runs the load against host:port for warmup + duration, then waits for the uploads still in
// flight (up to `timeout`). `factory` and whatever `jobs` points to must outlive the call.
LoadResult RunLoad(const LoadOptions& options, const RequestFactory& factory,
                   const JobSource& jobs);

}  // namespace flamedb::loadgen
