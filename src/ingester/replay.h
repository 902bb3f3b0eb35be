// WAL replay on every core: one thread reads segments and checks their checksums, worker threads
// decode the records and apply them. Records are independent (a head sorts its rows when it is
// cut), so they need not be applied in log order.
#pragma once

#include <functional>

#include "base/status.h"
#include "ingester/record.h"
#include "wal/wal.h"

namespace flamedb::ingester {

// How many threads apply records: the machine's cores, at least 1 and at most 8.
size_t ReplayWorkers();

// Calls `apply` once for every record of `wal`, from `workers` threads at once and in no
// particular order; records that do not decode reach `apply` as their error. `apply` must be
// safe to call concurrently. Errors: the WAL's (I/O).
Status ReplayRecords(wal::Wal& wal, size_t workers,
                     const std::function<void(Result<PushRecord>, wal::Position)>& apply);

}  // namespace flamedb::ingester
