#include "base/memory.h"

#include <malloc.h>

namespace flamedb::base {

void TuneAllocator() {
  // 64 MiB: above any profile we accept by default (4 MiB) with its decoded arrays.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace flamedb::base
