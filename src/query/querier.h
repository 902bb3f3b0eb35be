// The query methods over a tenant's sources (heads and blocks), without any wire format: the
// api layer maps QuerierService messages onto these (spec §4). Each profile is in exactly one
// source, so results count it once.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "query/context.h"
#include "query/profile_id.h"
#include "query/function_tree.h"
#include "query/stacks.h"
#include "store/source.h"

namespace flamedb::query {

using Sources = std::vector<const store::ProfileSource*>;

struct QueryLimits {
  int64_t max_query_length_ms = 7 * 24 * 3600 * 1000LL;  // -querier.max-query-length
  int64_t max_query_memory_bytes = 0;                    // -querier.max-query-memory; 0: none.
  int query_threads = 1;                                 // -querier.query-threads (resolved).
};

// The range of a query in ns, from request milliseconds (inclusive at both ends).
// `required`: a missing (0) start or end is an error; otherwise it means "everything".
// Errors: kInvalidArgument "missing time range in the query", "query start time is after end
// time", "the query time range exceeds the limit (max_query_length, ...)".
Result<store::TimeRange> CheckRange(int64_t start_ms, int64_t end_ms, bool required,
                                    const QueryLimits& limits);

// max_nodes of a request: absent or 0 means the default (8192). Errors: kInvalidArgument for
// a negative value or one above 1048576, with Pyroscope's messages.
Result<int64_t> EffectiveMaxNodes(std::optional<int64_t> max_nodes);

struct ProfileTypeInfo {
  std::string id, name, sample_type, sample_unit, period_type, period_unit;
};

// Sorted by id.
std::vector<ProfileTypeInfo> ProfileTypes(const Sources& sources, store::TimeRange range);
// `matchers` are OR-ed selectors (empty: every series). Errors: kInvalidArgument (selector).
Result<std::vector<std::string>> LabelNames(const Sources& sources,
                                            const std::vector<std::string>& matchers,
                                            store::TimeRange range);
Result<std::vector<std::string>> LabelValues(const Sources& sources, const std::string& name,
                                             const std::vector<std::string>& matchers,
                                             store::TimeRange range);
// Distinct label sets of matching series, projected onto `label_names` when not empty, sorted.
Result<std::vector<model::Labels>> Series(const Sources& sources,
                                          const std::vector<std::string>& matchers,
                                          const std::vector<std::string>& label_names,
                                          store::TimeRange range);

// What a stack query merges: profiles of one type matching a selector in a range.
struct StackQuery {
  std::string profile_type;
  std::string selector;
  store::TimeRange range;
  StackSelector stacks;
  // Sorted span ids: only samples linked to one of them count; empty: every sample.
  std::vector<uint64_t> span_ids;
  // Sorted trace ids: only samples of one of those traces count; empty: every sample.
  std::vector<model::TraceId> trace_ids = {};
  // Sorted profiles (profile_id_selector): only those count; empty: every profile.
  std::vector<ProfileKey> profiles = {};
  // A profile type that none of the sources knows is an error. A query-backend reads only
  // some of a tenant's blocks: the query-frontend checks the type over all of them instead.
  bool require_known_type = true;
};

// The span ids of a span selector (16 hex digits each, as Pyroscope), sorted and unique.
// Errors: kInvalidArgument `invalid span id length: "<id>"` or `invalid span id: "<id>"`.
Result<std::vector<uint64_t>> ParseSpanSelector(const std::vector<std::string>& span_selector);
// The trace ids of a trace id selector (32 hex digits each, as Pyroscope), sorted and unique.
// Errors: kInvalidArgument `invalid trace id: "<id>"`.
Result<std::vector<model::TraceId>> ParseTraceSelector(const std::vector<std::string>& selector);

// The merged stacks of the query's profiles, totals computed.
// Errors: kInvalidArgument (selector, malformed or unknown profile type); kDataLoss (blocks);
// those of `ctx` (cancelled, deadline, memory budget).
Result<FunctionTree> MergeStacktraces(const Sources& sources, const StackQuery& query,
                                      QueryContext& ctx);
// The same without a stack selector or limits.
Result<FunctionTree> MergeStacktraces(const Sources& sources, const std::string& profile_type,
                                      const std::string& selector, store::TimeRange range);

// Calls `fn(source, series ids)` for each source that may hold profiles of `query` (by time
// range and series), after checking the profile type is known to some source.
// Errors: kInvalidArgument (selector, profile type); those of `fn`.
Status ForEachSelected(
    const Sources& sources, const StackQuery& query,
    const std::function<Status(const store::ProfileSource&, std::span<const uint32_t>)>& fn);

// The stack sums of one source that may hold profiles of a query.
struct SourceSums {
  const store::ProfileSource* source = nullptr;
  StackSums sums;
};

// SumStacks of every source ForEachSelected picks (rows of the query's series and range,
// samples of its span ids), in source order, reading up to `ctx.threads()` sources at once.
// Errors: those of ForEachSelected and SumStacks.
Result<std::vector<SourceSums>> SumSelected(const Sources& sources, const StackQuery& query,
                                            QueryContext& ctx);

struct ProfileStats {
  bool data_ingested = false;
  int64_t oldest_ms = INT64_MAX;  // As Pyroscope reports when there is no data.
  int64_t newest_ms = INT64_MIN;
};
ProfileStats GetProfileStats(const Sources& sources);

}  // namespace flamedb::query
