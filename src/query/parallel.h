// Running the independent parts of one query (its sources) on several threads.
#pragma once

#include <cstddef>
#include <functional>

#include "base/status.h"

namespace flamedb::query {

// Calls fn(i) once for each i in [0, n), on up to `threads` threads (the caller's among them),
// and returns when all calls have. `fn` must be safe to call concurrently for different i.
// Returns the error of the lowest i that failed, or OK.
Status ParallelFor(size_t n, int threads, const std::function<Status(size_t)>& fn);

}  // namespace flamedb::query
