// Which series of a source a selector picks: postings of its equality matchers first, then
// every matcher on the remaining candidates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

#include "query/selector.h"
#include "store/source.h"

namespace flamedb::query {

// Ascending ids of the series of `source` that `selector` matches.
std::vector<uint32_t> SelectIds(const store::ProfileSource& source, const Selector& selector);

// The colon-separated parts of a profile type id
// (name:sample_type:sample_unit:period_type:period_unit).
std::vector<std::string> ProfileTypeParts(std::string_view id);

// `selector` (empty: all) and __profile_type__ = `profile_type`, as queries of one type use.
// Errors: kInvalidArgument for a malformed profile type or a selector that does not parse.
Result<Selector> ProfileSelector(const std::string& profile_type, const std::string& selector);

// True when `source` may hold profiles in `range`.
bool Overlaps(const store::ProfileSource& source, store::TimeRange range);

}  // namespace flamedb::query
