#include "base/crc32.h"

#include <libdeflate.h>

namespace flamedb::base {

uint32_t Crc32(std::string_view data) { return libdeflate_crc32(0, data.data(), data.size()); }

}  // namespace flamedb::base
