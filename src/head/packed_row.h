// A head row's samples, packed (docs/architecture.md "Head"): stack ids in ascending order as
// varint deltas, values divided by the row's common divisor as zig-zag varints, and span ids
// (when a sample has one) as fixed 64-bit words, then trace ids (store/trace_column.h) when a
// sample has one. About 2-5 bytes per sample instead of the 12-20
// of plain arrays, so a head holds 3-4x more profiles per byte of memory; unpacking runs at
// hundreds of millions of samples per second.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/byte_coding.h"
#include "model/labels.h"

namespace flamedb::head {

struct PackedSamples {
  std::string_view bytes;  // Owned elsewhere: a head's ChunkArena, or the writer packed into.
  uint32_t count = 0;
  bool has_spans = false;
  bool has_traces = false;
};

// The sample indexes that visit `stacks` in ascending stack order (stable).
std::vector<uint32_t> AscendingStackOrder(std::span<const uint32_t> stacks);

// Packs the samples order[0], order[1], ... whose value is not 0. `order` must visit `stacks`
// ascending (AscendingStackOrder); `spans` and `traces` are parallel to `stacks`, or empty for
// none. Appends
// the bytes to `out`; the result's `bytes` views them there, until `out` is written again. Sets
// `total` to the sum of the values.
PackedSamples PackSamples(std::span<const uint32_t> order, std::span<const uint32_t> stacks,
                          std::span<const int64_t> values, std::span<const uint64_t> spans,
                          std::span<const model::TraceId> traces, base::ByteWriter& out,
                          int64_t& total);

// The packed samples as parallel arrays (cleared first); `spans` and `traces` stay empty when
// no sample has one.
void UnpackSamples(const PackedSamples& packed, std::vector<uint32_t>& stacks,
                   std::vector<int64_t>& values, std::vector<uint64_t>& spans,
                   std::vector<model::TraceId>& traces);

}  // namespace flamedb::head
