#include "stats.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace flamedb::loadgen {

double Recorder::Quantile(std::vector<uint32_t> sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest latency with at least q of the latencies at or below it.
  const double n = static_cast<double>(sorted.size());
  size_t k = q <= 0 ? 0 : static_cast<size_t>(std::ceil(q * n)) - 1;
  k = std::min(k, sorted.size() - 1);
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(k), sorted.end());
  return sorted[k];
}

ProcSample ReadProc(int pid) {
  ProcSample s;
  const std::string dir = "/proc/" + (pid > 0 ? std::to_string(pid) : std::string("self"));
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  s.cpu_seconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status(dir + "/status");
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) s.rss_bytes = std::stoll(line.substr(6)) * 1024;
  }
  s.ok = true;
  return s;
}

void ProcTrack::Add(const ProcSample& s) {
  if (!s.ok) return;
  if (!first.ok) first = s;
  last = s;
  peak_rss = std::max(peak_rss, s.rss_bytes);
}

double ProcTrack::Cores(double seconds) const {
  return seconds > 0 && first.ok ? (last.cpu_seconds - first.cpu_seconds) / seconds : 0;
}

MachineSample ReadMachine() {
  MachineSample s;
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double v[8] = {};
  if (!(stat >> cpu) || cpu != "cpu") return s;
  for (double& x : v) {
    if (!(stat >> x)) return s;
  }
  for (double x : v) s.total += x;
  s.steal = v[7];
  s.ok = true;
  return s;
}

void MachineTrack::Add(const MachineSample& s) {
  if (!s.ok) return;
  if (!first.ok) first = s;
  last = s;
}

double MachineTrack::StealFraction() const {
  const double total = last.total - first.total;
  return first.ok && total > 0 ? (last.steal - first.steal) / total : 0;
}

}  // namespace flamedb::loadgen
