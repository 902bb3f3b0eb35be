#include "head/packed_row.h"

#include <algorithm>

#include "base/byte_coding.h"
#include "base/common_divisor.h"
#include "base/radix_sort.h"
#include "store/trace_column.h"

namespace flamedb::head {
std::vector<uint32_t> AscendingStackOrder(std::span<const uint32_t> stacks) {
  struct Item {
    uint32_t stack, index;
  };
  std::vector<Item> items(stacks.size()), scratch;
  for (uint32_t i = 0; i < stacks.size(); ++i) items[i] = {stacks[i], i};
  if (items.size() >= 256) {
    base::RadixSortBy(items, scratch, [](const Item& it) { return it.stack; });
  } else {
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.stack < b.stack; });
  }
  std::vector<uint32_t> order(items.size());
  for (size_t i = 0; i < items.size(); ++i) order[i] = items[i].index;
  return order;
}

PackedSamples PackSamples(std::span<const uint32_t> order, std::span<const uint32_t> stacks,
                          std::span<const int64_t> values, std::span<const uint64_t> spans,
                          std::span<const model::TraceId> traces, base::ByteWriter& w,
                          int64_t& total) {
  std::vector<uint32_t> kept;
  kept.reserve(order.size());
  for (const uint32_t i : order) {
    if (values[i] != 0) kept.push_back(i);
  }
  PackedSamples out;
  out.count = static_cast<uint32_t>(kept.size());
  out.has_spans = !spans.empty() && std::any_of(kept.begin(), kept.end(),
                                                [&](uint32_t i) { return spans[i] != 0; });
  out.has_traces = !traces.empty() && std::any_of(kept.begin(), kept.end(), [&](uint32_t i) {
    return !traces[i].empty();
  });
  base::CommonDivisor common;
  for (const uint32_t i : kept) common.Add(values[i]);
  const uint64_t divisor = common.divisor();
  const base::ExactDivider exact(divisor);
  const size_t begin = w.size();
  w.Reserve(kept.size() * 3 + 16);
  w.Varint(divisor);
  uint32_t last = 0;
  total = 0;
  for (const uint32_t i : kept) {
    w.Varint(stacks[i] - last);
    last = stacks[i];
    w.Signed(exact.Divide(values[i]));
    total += values[i];
  }
  if (out.has_spans) {
    for (const uint32_t i : kept) w.Fixed64(spans[i]);
  }
  if (out.has_traces) {
    std::vector<model::TraceId> in_order;  // Of the kept samples; only rows with traces.
    in_order.reserve(kept.size());
    for (const uint32_t i : kept) in_order.push_back(traces[i]);
    store::WriteTraceColumn(in_order, w);
  }
  out.bytes = w.view().substr(begin);
  return out;
}

void UnpackSamples(const PackedSamples& packed, std::vector<uint32_t>& stacks,
                   std::vector<int64_t>& values, std::vector<uint64_t>& spans,
                   std::vector<model::TraceId>& traces) {
  stacks.resize(packed.count);
  values.resize(packed.count);
  spans.clear();
  traces.clear();
  base::ByteReader r(packed.bytes);  // Written by PackSamples in this process: never damaged.
  const auto divisor = static_cast<int64_t>(r.Varint());
  uint32_t stack = 0;
  for (uint32_t i = 0; i < packed.count; ++i) {
    stack += static_cast<uint32_t>(r.Varint());
    stacks[i] = stack;
    values[i] = r.Signed() * divisor;
  }
  if (packed.has_spans) {
    spans.resize(packed.count);
    for (uint32_t i = 0; i < packed.count; ++i) spans[i] = r.Fixed64();
  }
  if (packed.has_traces) store::ReadTraceColumn(r, packed.count, traces);
}

}  // namespace flamedb::head
