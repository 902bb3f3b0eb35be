// Which series of a source a selector picks: postings of its equality matchers first, then
// every matcher on the remaining candidates.
#pragma once

#include <cstdint>
#include <vector>

#include "query/selector.h"
#include "store/source.h"

namespace flamedb::query {

// Ascending ids of the series of `source` that `selector` matches.
std::vector<uint32_t> SelectIds(const store::ProfileSource& source, const Selector& selector);

// True when `source` may hold profiles in `range`.
bool Overlaps(const store::ProfileSource& source, store::TimeRange range);

}  // namespace flamedb::query
