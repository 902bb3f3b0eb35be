#include "peak_memory.h"

#include <malloc.h>

#include <fstream>
#include <string>

namespace flamedb::bench {
namespace {

// A "VmRSS:" or "VmHWM:" line of /proc/self/status, in bytes; -1 when absent.
double StatusBytes(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(key)) return std::stod(line.substr(key.size())) * 1024;
  }
  return -1;
}

}  // namespace

double PeakResidentGrowth(const std::function<void()>& fn) {
  malloc_trim(0);
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.close();
  if (!clear) return -1;
  const double before = StatusBytes("VmRSS:");
  fn();
  const double peak = StatusBytes("VmHWM:");
  return before < 0 || peak < 0 ? -1 : peak - before;
}

}  // namespace flamedb::bench
