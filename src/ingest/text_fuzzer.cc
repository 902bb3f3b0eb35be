// libFuzzer target for the text parsers of /ingest: the name grammar, the time syntax, folded and
// lines. Any input must give a result or an error, never a crash; the first byte picks the parser.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/attime.h"
#include "ingest/folded.h"
#include "ingest/name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace flamedb::ingest;
  switch (data[0] % 4) {
    case 0:
      (void)ParseName(input);
      break;
    case 1:
      (void)ParseAtTime(input, std::chrono::system_clock::time_point(std::chrono::seconds(1767323045)));
      break;
    case 2:
      (void)ParseFolded(input, {.value_multiplier = 10000000});
      break;
    default:
      (void)ParseLines(input, {});
  }
  return 0;
}
