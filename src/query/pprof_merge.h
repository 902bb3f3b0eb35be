// SelectMergeProfile (spec §4.8): the matching profiles merged into one pprof with full
// locations, functions and mappings, as `go tool pprof` reads it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "query/context.h"
#include "query/querier.h"
#include "symdb/partition.h"

namespace flamedb::query {

struct MergeProfileQuery {
  StackQuery stacks;
  int64_t max_nodes = 0;  // Stack tree nodes kept (the rest become "other"); 0: all.
  int64_t time_nanos = 0;      // The result's time_nanos (the request's end).
  int64_t duration_nanos = 0;  // The result's duration_nanos (the request's range).
};

// The merged profile as an uncompressed pprof protobuf; empty (the empty message) when nothing
// matched. Samples with equal location lists across profiles, heads and blocks are one sample.
// Errors: those of MergeStacktraces.
Result<std::string> MergeProfile(const Sources& sources, const MergeProfileQuery& query,
                                 QueryContext& ctx);

// What one process's sources add to a SelectMergeProfile: their selected stacks (call site
// applied) in one symbol partition whose stack tree merges equal location paths, with the
// value of each stack node, before max_nodes and the go_pgo options. Partials of disjoint
// sources finish into the profile MergeProfile makes of their union (the same samples,
// locations and functions; ids may be numbered in another order).
struct ProfilePartial {
  std::unique_ptr<symdb::Partition> symbols;  // Null when nothing matched.
  std::vector<int64_t> values;                // By stack node of `symbols`.
};

// Errors: those of MergeProfile.
Result<ProfilePartial> CollectProfile(const Sources& sources, const MergeProfileQuery& query,
                                      QueryContext& ctx);
// The merged profile of `partials`, as MergeProfile returns it. Errors: those of `ctx`.
Result<std::string> FinishProfile(const std::vector<ProfilePartial>& partials,
                                  const MergeProfileQuery& query, QueryContext& ctx);

}  // namespace flamedb::query
