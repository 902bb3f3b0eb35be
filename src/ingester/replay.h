// WAL replay on two cores: one thread reads segments and decodes records, the caller's thread
// applies them in order, so decoding overlaps with building the heads.
#pragma once

#include <functional>

#include "base/status.h"
#include "ingester/record.h"
#include "wal/wal.h"

namespace flamedb::ingester {

// Calls `apply` for every record of `wal` in log order, on the calling thread; records that do
// not decode reach `apply` as their error. Errors: the WAL's (I/O).
Status ReplayRecords(wal::Wal& wal,
                     const std::function<void(Result<PushRecord>, wal::Position)>& apply);

}  // namespace flamedb::ingester
