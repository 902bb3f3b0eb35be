// libFuzzer target for every payload parser of /ingest except pprof (pprof/decoder_fuzzer.cc):
// the name grammar, the time syntax, folded, lines, tree, trie, speedscope, multipart,
// sample_type_config, JFR recordings, JFR labels snapshots and OTLP export requests. Any input must give a result or an error, never a crash, a hang or an
// allocation out of proportion to the input. Built once per parser, with FLAMEDB_FUZZ_PARSER set
// to the parser's number below (see CMakeLists.txt), so each gets its own coverage and corpus.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/attime.h"
#include "ingest/folded.h"
#include "ingest/jfr.h"
#include "ingest/legacy.h"
#include "ingest/multipart.h"
#include "ingest/name.h"
#include "ingest/otlp.h"
#include "ingest/speedscope.h"
#include "ingest/tree.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  using namespace flamedb::ingest;
  const StackProfileType cpu{.value_multiplier = 10000000};
  switch (FLAMEDB_FUZZ_PARSER) {
    case 0:
      (void)ParseName(input);
      break;
    case 1:
      (void)ParseAtTime(input, std::chrono::system_clock::time_point(std::chrono::seconds(1767323045)));
      break;
    case 2:
      (void)ParseFolded(input, cpu);
      break;
    case 3:
      (void)ParseLines(input, {});
      break;
    case 4:
      (void)ParseTree(input, cpu);
      break;
    case 5:
      (void)ParseTrie(input, cpu);
      break;
    case 6:
      (void)ParseSpeedscope(input, ParsedName{"app", {}}, {});
      break;
    case 7:
      (void)ParseMultipart(input, "boundary");
      break;
    case 8:
      (void)ParseSampleTypeConfig(input);
      break;
    case 9:
      (void)ParseJfr(input, nullptr, {.period_nanos = 10000000});
      break;
    case 10:
      (void)ParseJfrLabels(input);
      break;
    default:
      (void)ConvertOtlp(input, std::chrono::system_clock::time_point(std::chrono::seconds(1767323045)));
  }
  return 0;
}
