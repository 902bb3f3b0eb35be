// AnalyzeQuery (spec §4.12): what a query would read, per kind of storage.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "query/context.h"
#include "query/querier.h"

namespace flamedb::query {

struct ScopeStats {
  uint64_t components = 0;  // Sources of this kind the query reads.
  uint64_t series = 0;
  uint64_t profiles = 0;
  uint64_t samples = 0;
  // What the sources of this kind hold (store::StoredBytes), summed.
  uint64_t index_bytes = 0;
  uint64_t profile_bytes = 0;
  uint64_t symbol_bytes = 0;
};

struct QueryAnalysis {
  ScopeStats heads;   // "Short term storage".
  ScopeStats blocks;  // "Long term storage".
};

// `query` is "<profile type>{<matchers>}" (the profile type may be left out). The first
// `heads` of `sources` are heads, the rest blocks. Errors: kInvalidArgument (selector);
// kDataLoss (blocks); those of `ctx`.
Result<QueryAnalysis> AnalyzeQuery(const Sources& sources, size_t heads, const std::string& query,
                                   store::TimeRange range, QueryContext& ctx);

}  // namespace flamedb::query
