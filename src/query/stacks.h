// The first steps of every stack query (design §6): dense sums of row values per stack id per
// symbol partition, and the stack trace selector that restricts which stacks count.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "query/context.h"
#include "store/source.h"
#include "symdb/partition.h"

namespace flamedb::query {

// Per partition of a source, the sum of the values of each stack id (index = stack id; a
// partition no row refers to is empty).
using StackSums = std::vector<std::vector<int64_t>>;

// Which samples of a row count: with `spans` (sorted), those linked to one of those spans
// (span_selector, SelectMergeSpanProfile); with `traces` (sorted), those of one of those traces
// (trace_id_selector). A sample must match each list that is not empty; both empty: every
// sample.
struct SampleLinks {
  std::span<const uint64_t> spans;
  std::span<const model::TraceId> traces;
  bool empty() const { return spans.empty() && traces.empty(); }
};

// Sums the rows of `series` (ascending ids) of `source` in `range`, the samples `links` keeps.
// The arrays are charged to `ctx`. Errors: those of the source (damaged blocks) and of
// `ctx` (cancelled, deadline, budget).
// With `keep`, only rows for which keep(series, time_ns) holds count (profile_id_selector).
Result<StackSums> SumStacks(const store::ProfileSource& source, std::span<const uint32_t> series,
                            store::TimeRange range, QueryContext& ctx,
                            SampleLinks links = {},
                            const std::function<bool(uint32_t, int64_t)>* keep = nullptr);

// types.v1.StackTraceSelector (spec §4.5).
struct StackSelector {
  // Root-first function names a stack must start with; empty: every stack.
  std::vector<std::string> call_site;
  // go_pgo (SelectMergeProfile only): keep this many leaf-most locations (0: all), and with
  // aggregate_callees drop the line numbers of the leaf location.
  uint32_t keep_locations = 0;
  bool aggregate_callees = false;
};

// For each stack node of `partition`: whether its root-first frames (function names, inlined
// lines caller first) start with `call_site`. Empty for an empty call site, which every node
// matches (so queries without a selector allocate nothing).
std::vector<bool> CallSiteMask(const symdb::Partition& partition,
                               const std::vector<std::string>& call_site);

}  // namespace flamedb::query
