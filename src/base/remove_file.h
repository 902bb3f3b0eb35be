// Deleting large files without stalling other files' fsyncs.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace flamedb::base {

// Deletes `path` after shrinking it `step` bytes at a time, each step made durable. ext4 frees
// a file's extents at unlink in one journal transaction, and every fdatasync of another file
// (the WAL's, which acknowledgements wait for) waits for it: deleting three 128 MiB WAL
// segments at once stalled a concurrent 30 KB append for 20-23 ms here, shrinking them first
// for 2-4 ms. A file that is already gone is not an error.
// Errors: kInternal naming the path and errno.
Status RemoveFileGradually(const std::string& path, uint64_t step = 8 << 20);

}  // namespace flamedb::base
