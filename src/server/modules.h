// Readiness of the process's modules: /ready and the health check answer from here.
#pragma once

#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"

namespace flamedb::server {

enum class ModuleState : uint8_t { kStarting, kRunning, kStopping, kFailed };

// The modules of this process and their states. Thread-safe.
class ModuleManager {
 public:
  // Registers `name` as starting. REQUIRES: not yet added.
  void Add(const std::string& name) EXCLUDES(mu_);
  // REQUIRES: `name` was added.
  void Set(const std::string& name, ModuleState state) EXCLUDES(mu_);

  // OK when every module runs; otherwise kUnavailable listing the others by state, in
  // Pyroscope's words ("Some services are not Running:\nStarting: [ingester]\n").
  Status Ready() const EXCLUDES(mu_);

  std::vector<std::string> Names() const EXCLUDES(mu_);

 private:
  mutable base::Mutex mu_;
  std::vector<std::pair<std::string, ModuleState>> modules_ GUARDED_BY(mu_);
};

}  // namespace flamedb::server
