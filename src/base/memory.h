// Process-wide allocator settings.
#pragma once

namespace flamedb::base {

// Keeps large allocations (decoded profiles, request bodies) in the heap instead of mapping and
// unmapping them per request: glibc otherwise returns every block over its mmap threshold to the
// kernel on free, and the next request pays a page fault per 4 KiB to get it back. Freed memory
// above `trim_threshold` at the top of the heap is still returned.
void TuneAllocator();

}  // namespace flamedb::base
