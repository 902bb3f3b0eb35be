#include "query/select.h"

#include <algorithm>
#include <iterator>
#include <numeric>
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
  // Postings are exact: when every matcher was answered by them, the candidates are the answer.
  const bool exact =
      candidates.has_value() &&
      std::all_of(selector.matchers.begin(), selector.matchers.end(),
                  [](const Matcher& m) { return m.op == MatchOp::kEqual && !m.value.empty(); });
  if (exact) return std::move(*candidates);
  std::vector<uint32_t> all;
  if (!candidates.has_value()) {
    all.resize(source.SeriesCount());
    std::iota(all.begin(), all.end(), 0);
  }
  std::vector<uint32_t> out;
  source.ForEachSeriesLabels(candidates.has_value() ? *candidates : all,
                             [&](uint32_t id, const model::Labels& labels) {
                               if (selector.Matches(labels)) out.push_back(id);
                             });
  return out;
}

std::vector<std::string> ProfileTypeParts(std::string_view id) {
  std::vector<std::string> out(1);
  for (char c : id) {
    if (c == ':') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

Result<Selector> ProfileSelector(const std::string& profile_type, const std::string& selector) {
  if (ProfileTypeParts(profile_type).size() != 5) {
    return InvalidArgumentError(
        "profile type \"" + profile_type +
        "\" is not of the form <name>:<sample-type>:<sample-unit>:<period-type>:<period-unit>");
  }
  FLAMEDB_ASSIGN_OR_RETURN(Selector sel, ParseSelector(selector.empty() ? "{}" : selector));
  FLAMEDB_ASSIGN_OR_RETURN(Matcher type,
                           MakeMatcher("__profile_type__", MatchOp::kEqual, profile_type));
  sel.matchers.push_back(std::move(type));
  return sel;
}

bool Overlaps(const store::ProfileSource& s, store::TimeRange r) {
  const store::TimeRange have = s.Range();
  return have.min_nanos <= have.max_nanos && have.max_nanos >= r.min_nanos &&
         have.min_nanos <= r.max_nanos;
}

}  // namespace flamedb::query
