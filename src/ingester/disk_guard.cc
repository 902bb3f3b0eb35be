#include "ingester/disk_guard.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

namespace flamedb::ingester {
namespace {

std::string Mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

Result<uint64_t> StatFreeSpace(const std::string& path) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) {
    return InternalError("cannot stat the volume of " + path + ": " + std::strerror(errno));
  }
  // f_bavail: what an unprivileged writer may still use.
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

DiskGuard::DiskGuard(std::vector<std::string> paths, uint64_t min_free_bytes,
                     const base::Clock& clock, base::MetricsRegistry& metrics,
                     FreeSpaceFn free_space, std::chrono::milliseconds interval)
    : paths_(std::move(paths)),
      min_free_bytes_(min_free_bytes),
      clock_(clock),
      free_space_(std::move(free_space)),
      interval_(interval),
      low_(metrics.AddGauge("flamedb_disk_space_low",
                            "1 while writes are refused because a data volume is nearly full.")) {}

Status DiskGuard::Check() {
  if (min_free_bytes_ == 0) {
    return OkStatus();
  }
  const auto now = clock_.SteadyNow();
  base::MutexLock lock(mu_);
  if (ever_checked_ && now - checked_ < interval_) {
    return status_;
  }
  ever_checked_ = true;
  checked_ = now;
  status_ = OkStatus();
  for (const std::string& path : paths_) {
    const Result<uint64_t> free = free_space_(path);
    // A volume we cannot stat does not block writes; the write itself will report the problem.
    if (free.ok() && *free < min_free_bytes_) {
      status_ = UnavailableError("storage: only " + Mib(*free) + " free on the volume of " +
                                 path + ", under the minimum of " + Mib(min_free_bytes_) +
                                 " (-storage.min-free-disk-mb); writes resume once space is "
                                 "freed")
                    .WithTag("disk_full");
      break;
    }
  }
  low_.Set(status_.ok() ? 0 : 1);
  return status_;
}

}  // namespace flamedb::ingester
