// libFuzzer target: any bytes as a block. The first byte picks whether checksums are checked
// (off lets the fuzzer reach the decoders behind them). Whatever opens is read in full: every
// row, and every symbol partition; nothing may crash, hang or allocate by a claimed length.
#include <cstddef>
#include <cstdint>
#include <string>

#include "block/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flamedb::block;
  if (size == 0) {
    return 0;
  }
  const ReaderOptions options{.verify_checksums = (data[0] & 1) != 0,
                              .max_section_bytes = 16 << 20};
  auto reader = BlockReader::Open(
      StringSource(std::string(reinterpret_cast<const char*>(data + 1), size - 1)), options);
  if (!reader.ok()) {
    return 0;
  }
  const BlockReader& r = **reader;
  (void)r.Verify();
  (void)r.ForEachRow({}, {INT64_MIN, INT64_MAX}, [&](const flamedb::store::RowView& row) {
    // The engine indexes dense arrays by stack id: every id must be inside its partition.
    (void)r.WithSymbols(row.partition, [&](const flamedb::symdb::Partition& p) {
      std::vector<uint32_t> locations;
      for (uint32_t stack : row.stacks) {
        if (stack >= p.stacks()) __builtin_trap();
        p.ResolveStack(stack, locations);
      }
      for (uint32_t l : locations) {
        for (const auto& line : p.Lines(p.location(l))) (void)p.String(p.function(line.function).name);
      }
    });
  });
  for (uint32_t s = 0; s < r.SeriesCount(); ++s) (void)r.SeriesLabels(s);
  (void)r.LabelNames();
  return 0;
}
