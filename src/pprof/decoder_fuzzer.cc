// libFuzzer target: any bytes through the pprof decoder; what decodes must re-encode and decode
// to the same shape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pprof/decoder.h"
#include "pprof/encoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using flamedb::pprof::DecodeProfile;
  auto first = DecodeProfile(std::string(reinterpret_cast<const char*>(data), size),
                             {.max_uncompressed_bytes = 1 << 20});
  if (!first.ok()) {
    return 0;
  }
  auto second = DecodeProfile(flamedb::pprof::EncodeProfile(*first), {.max_uncompressed_bytes = 8 << 20});
  if (!second.ok() || second->samples.size() != first->samples.size() ||
      second->location_ids != first->location_ids || second->values != first->values ||
      second->string_table != first->string_table || second->locations.size() != first->locations.size()) {
    std::abort();  // The encoder lost or changed something the decoder accepted.
  }
  return 0;
}
