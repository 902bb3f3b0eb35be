// Peak memory of one call, for the benchmarks' "peak_MB" counters.
#pragma once

#include <functional>

namespace flamedb::bench {

// Runs `fn` once and returns how far the process's resident memory rose above what it was just
// before, at its highest, in bytes. Free heap memory is handed back to the kernel first
// (malloc_trim) and the kernel's high-water mark is reset (/proc/self/clear_refs, Linux >= 4.0),
// so memory that `fn` frees before it returns still counts. Returns -1 where the kernel does
// not allow the reset. Every thread of the process counts, so nothing else should run meanwhile.
double PeakResidentGrowth(const std::function<void()>& fn);

}  // namespace flamedb::bench
