// The standard process_* metrics, read from /proc/self at scrape time (Linux only).
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/metrics.h"

namespace flamedb::base {
namespace {

// Fields of /proc/self/stat after the command name, 0-based from field 3 ("state").
struct ProcStat {
  double utime_ticks = 0;
  double stime_ticks = 0;
  double start_ticks = 0;
  double vsize = 0;
  double rss_pages = 0;
};

ProcStat ReadProcStat() {
  ProcStat st;
  std::ifstream in("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may contain spaces and parentheses; fields start after the last ')'.
  const size_t close = content.rfind(')');
  if (close == std::string::npos) {
    return st;
  }
  std::istringstream fields(content.substr(close + 2));
  std::string field;
  for (int i = 3; fields >> field; ++i) {
    const double v = std::strtod(field.c_str(), nullptr);
    if (i == 14) st.utime_ticks = v;
    if (i == 15) st.stime_ticks = v;
    if (i == 22) st.start_ticks = v;
    if (i == 23) st.vsize = v;
    if (i == 24) st.rss_pages = v;
  }
  return st;
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

double OpenFds() {
  std::error_code ec;
  double n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

void RegisterProcessMetrics(MetricsRegistry& registry) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const double start = BootTimeSeconds() + ReadProcStat().start_ticks / ticks;
  registry.AddCallback("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                       MetricType::kCounter, [ticks] {
                         const ProcStat st = ReadProcStat();
                         return (st.utime_ticks + st.stime_ticks) / ticks;
                       });
  registry.AddCallback("process_resident_memory_bytes", "Resident memory size in bytes.",
                       MetricType::kGauge, [page] { return ReadProcStat().rss_pages * page; });
  registry.AddCallback("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                       MetricType::kGauge, [] { return ReadProcStat().vsize; });
  registry.AddCallback("process_open_fds", "Number of open file descriptors.", MetricType::kGauge,
                       OpenFds);
  registry.AddCallback("process_max_fds", "Maximum number of open file descriptors.",
                       MetricType::kGauge, [] {
                         rlimit rl{};
                         getrlimit(RLIMIT_NOFILE, &rl);
                         return static_cast<double>(rl.rlim_cur);
                       });
  registry.AddCallback("process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.",
                       MetricType::kGauge, [start] { return start; });
}

}  // namespace flamedb::base
