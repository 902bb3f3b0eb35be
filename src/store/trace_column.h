// The trace ids of a row's samples, as head rows and block row chunks both store them
// (docs/block-format.md, "Row chunk sections"): a varint count n of distinct trace ids, the n
// ids as two fixed 64-bit words each (`hi`, then `lo`), then one varint per sample: 0 for "no
// trace", k for the k-th id. A trace covers many samples (every sample of its spans), so this
// costs about a byte per sample where 16 bytes per sample would triple a row.
#pragma once

#include <span>
#include <vector>

#include "base/byte_coding.h"
#include "model/labels.h"

namespace flamedb::store {

// Appends `traces`, the trace ids of a row's samples in row order (empty: none), to `out`.
void WriteTraceColumn(std::span<const model::TraceId> traces, base::ByteWriter& out);

// Reads `count` samples' trace ids written by WriteTraceColumn, appending them to `out`. False
// (with `r` failed or `out` partly filled) when the bytes do not hold them: a table larger than
// the row, an index past the table.
bool ReadTraceColumn(base::ByteReader& r, uint64_t count, std::vector<model::TraceId>& out);

}  // namespace flamedb::store
