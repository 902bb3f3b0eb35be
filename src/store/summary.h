// Per-series totals over several sources, for GET /debug/ingested and for checks that every
// acknowledged profile is stored exactly once (heads and blocks together).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/labels.h"
#include "store/source.h"

namespace flamedb::store {

// One series without the per-sample-type labels: how many profiles it has (the most of any of
// its profile types) and the total of each profile type.
struct SeriesSummary {
  model::Labels labels;
  int64_t profiles = 0;
  std::map<std::string, int64_t> totals;  // By profile type id.
};

// Sorted by labels. Errors: those of ProfileSource::ForEachRow (damaged blocks).
Result<std::vector<SeriesSummary>> Summarize(const std::vector<const ProfileSource*>& sources);

}  // namespace flamedb::store
