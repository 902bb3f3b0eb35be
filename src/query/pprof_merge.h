// SelectMergeProfile (spec §4.8): the matching profiles merged into one pprof with full
// locations, functions and mappings, as `go tool pprof` reads it.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "query/context.h"
#include "query/querier.h"

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

}  // namespace flamedb::query
