#include "store/trace_column.h"

#include <algorithm>

namespace flamedb::store {

void WriteTraceColumn(std::span<const model::TraceId> traces, base::ByteWriter& out) {
  std::vector<model::TraceId> table;
  for (const model::TraceId& t : traces) {
    if (!t.empty()) table.push_back(t);
  }
  std::sort(table.begin(), table.end());
  table.erase(std::unique(table.begin(), table.end()), table.end());
  out.Varint(table.size());
  for (const model::TraceId& t : table) {
    out.Fixed64(t.hi);
    out.Fixed64(t.lo);
  }
  for (const model::TraceId& t : traces) {
    if (t.empty()) {
      out.Varint(0);
      continue;
    }
    const auto it = std::lower_bound(table.begin(), table.end(), t);
    out.Varint(static_cast<uint64_t>(it - table.begin()) + 1);
  }
}

bool ReadTraceColumn(base::ByteReader& r, uint64_t count, std::vector<model::TraceId>& out) {
  const uint64_t n = r.Below(count + 1);  // At most one distinct id per sample.
  if (!r.ok()) return false;
  std::vector<model::TraceId> table(n);  // n <= count: bounded by the row's own samples.
  for (model::TraceId& t : table) {
    t.hi = r.Fixed64();
    t.lo = r.Fixed64();
  }
  for (uint64_t i = 0; i < count && r.ok(); ++i) {
    const uint64_t k = r.Below(n + 1);
    out.push_back(k == 0 ? model::TraceId{} : table[k - 1]);
  }
  return r.ok();
}

}  // namespace flamedb::store
