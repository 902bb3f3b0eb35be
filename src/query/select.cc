#include "query/select.h"

#include <algorithm>
#include <iterator>
#include <optional>

namespace flamedb::query {

std::vector<uint32_t> SelectIds(const store::ProfileSource& source, const Selector& selector) {
  std::optional<std::vector<uint32_t>> candidates;
  for (const Matcher& m : selector.matchers) {
    if (m.op != MatchOp::kEqual || m.value.empty()) continue;
    std::vector<uint32_t> ids = source.Postings(m.name, m.value);
    if (candidates.has_value()) {
      std::vector<uint32_t> both;
      std::set_intersection(candidates->begin(), candidates->end(), ids.begin(), ids.end(),
                            std::back_inserter(both));
      ids = std::move(both);
    }
    candidates = std::move(ids);
  }
  std::vector<uint32_t> out;
  auto consider = [&](uint32_t id) {
    if (selector.Matches(source.SeriesLabels(id))) out.push_back(id);
  };
  if (candidates.has_value()) {
    for (uint32_t id : *candidates) consider(id);
  } else {
    const auto n = static_cast<uint32_t>(source.SeriesCount());
    for (uint32_t id = 0; id < n; ++id) consider(id);
  }
  return out;
}

bool Overlaps(const store::ProfileSource& s, store::TimeRange r) {
  const store::TimeRange have = s.Range();
  return have.min_nanos <= have.max_nanos && have.max_nanos >= r.min_nanos &&
         have.min_nanos <= r.max_nanos;
}

}  // namespace flamedb::query
