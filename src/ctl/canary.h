// `flamectl canary`: a black-box probe of a server, as profilecli's canary-exporter. Each probe
// pushes a small known profile whose one frame is unique to the probe, then reads it back
// through every read method and checks what comes back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "ctl/rpc.h"

namespace flamedb::ctl {

struct CanaryCheck {
  std::string name;  // push, profile_types, label_names, label_values, series, ...
  Status status;
  double seconds = 0;
  bool skipped = false;  // Not run because the push failed (status says so).
};

// One probe at `now_ms`, its frame named after `nonce`. Checks after a failed push are skipped
// (reported failed with "push failed"). Never fails as a whole: results are per check.
std::vector<CanaryCheck> RunProbe(const RpcClient& client, const std::string& service_name,
                                  int64_t now_ms, uint64_t nonce);

// The canary's Prometheus metrics: per check, the last result, its duration and counts.
class CanaryMetrics {
 public:
  explicit CanaryMetrics(base::MetricsRegistry& registry);
  void Record(const std::vector<CanaryCheck>& checks, int64_t now_ms);

 private:
  base::Family<base::Gauge>& success_;
  base::Family<base::Gauge>& duration_;
  base::Family<base::Counter>& probes_;
  base::Gauge& last_probe_;
};

}  // namespace flamedb::ctl
