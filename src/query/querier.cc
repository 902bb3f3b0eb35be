#include "query/querier.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/duration.h"
#include "base/json.h"
#include "query/parallel.h"
#include "query/select.h"
#include "query/selector.h"

namespace flamedb::query {
namespace {

constexpr int64_t kNanosPerMilli = 1000000;

Result<std::vector<Selector>> ParseAll(const std::vector<std::string>& matchers) {
  std::vector<Selector> out;
  for (const std::string& m : matchers) {
    FLAMEDB_ASSIGN_OR_RETURN(Selector s, ParseSelector(m.empty() ? "{}" : m));
    out.push_back(std::move(s));
  }
  return out;
}

// Ids matching any of `selectors` (all series when there are none), ascending.
std::vector<uint32_t> SelectAny(const store::ProfileSource& source,
                                const std::vector<Selector>& selectors) {
  if (selectors.empty()) {
    std::vector<uint32_t> all(source.SeriesCount());
    for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }
  std::set<uint32_t> ids;
  for (const Selector& s : selectors) {
    for (uint32_t id : SelectIds(source, s)) ids.insert(id);
  }
  return {ids.begin(), ids.end()};
}

}  // namespace

Result<store::TimeRange> CheckRange(int64_t start_ms, int64_t end_ms, bool required,
                                    const QueryLimits& limits) {
  if (start_ms == 0 || end_ms == 0) {
    if (required) return InvalidArgumentError("missing time range in the query");
    return store::TimeRange{INT64_MIN, INT64_MAX};
  }
  if (start_ms > end_ms) return InvalidArgumentError("query start time is after end time");
  if (limits.max_query_length_ms > 0 && end_ms - start_ms > limits.max_query_length_ms) {
    return InvalidArgumentError(
        "the query time range exceeds the limit (max_query_length, actual: " +
        base::FormatDuration(std::chrono::milliseconds(end_ms - start_ms)) + ", limit: " +
        base::FormatDuration(std::chrono::milliseconds(limits.max_query_length_ms)) + ")");
  }
  return store::TimeRange{start_ms * kNanosPerMilli, end_ms * kNanosPerMilli + kNanosPerMilli - 1};
}

Result<int64_t> EffectiveMaxNodes(std::optional<int64_t> max_nodes) {
  constexpr int64_t kMax = 1048576;
  if (!max_nodes.has_value() || *max_nodes == 0) return int64_t{8192};
  if (*max_nodes < 0) {
    return InvalidArgumentError("max flamegraph nodes limit must be set (max allowed " +
                                std::to_string(kMax) + ")");
  }
  if (*max_nodes > kMax) {
    return InvalidArgumentError("max flamegraph nodes limit " + std::to_string(*max_nodes) +
                                " is greater than allowed " + std::to_string(kMax));
  }
  return *max_nodes;
}

std::vector<ProfileTypeInfo> ProfileTypes(const Sources& sources, store::TimeRange range) {
  std::set<std::string> ids;
  for (const store::ProfileSource* s : sources) {
    if (!Overlaps(*s, range)) continue;
    for (std::string& v : s->LabelValues("__profile_type__")) ids.insert(std::move(v));
  }
  std::vector<ProfileTypeInfo> out;
  for (const std::string& id : ids) {
    const std::vector<std::string> parts = ProfileTypeParts(id);
    ProfileTypeInfo info{id, "", "", "", "", ""};
    if (parts.size() >= 5) {
      info = {id, parts[0], parts[1], parts[2], parts[3], parts[4]};
    }
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::vector<std::string>> LabelNames(const Sources& sources,
                                            const std::vector<std::string>& matchers,
                                            store::TimeRange range) {
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<Selector> selectors, ParseAll(matchers));
  std::set<std::string, std::less<>> names;
  for (const store::ProfileSource* s : sources) {
    if (!Overlaps(*s, range)) continue;
    if (selectors.empty()) {
      for (std::string& n : s->LabelNames()) names.insert(std::move(n));
      continue;
    }
    // Labels lent, not copied: a selector of thousands of series copied thousands of label sets.
    // Series of one service mostly share their label names: a set equal to the one before
    // costs one comparison per name instead of a lookup.
    std::vector<std::string_view> last;
    s->ForEachSeriesLabels(SelectAny(*s, selectors), [&](uint32_t, const model::Labels& labels) {
      const auto& pairs = labels.pairs();
      if (pairs.size() == last.size() &&
          std::equal(pairs.begin(), pairs.end(), last.begin(),
                     [](const model::LabelPair& p, std::string_view n) { return p.name == n; })) {
        return;
      }
      last.clear();
      for (const model::LabelPair& p : pairs) {
        last.push_back(*names.emplace(p.name).first);
      }
    });
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<std::vector<std::string>> LabelValues(const Sources& sources, const std::string& name,
                                             const std::vector<std::string>& matchers,
                                             store::TimeRange range) {
  if (name.empty()) return InvalidArgumentError("name is required");
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<Selector> selectors, ParseAll(matchers));
  // Gathered with repeats, then sorted once: values are often distinct per series (pod names),
  // and a vector of short strings costs no allocation per value where a set costs a node.
  std::vector<std::string> values;
  for (const store::ProfileSource* s : sources) {
    if (!Overlaps(*s, range)) continue;
    if (selectors.empty()) {
      for (std::string& v : s->LabelValues(name)) values.push_back(std::move(v));
      continue;
    }
    s->ForEachSeriesLabels(SelectAny(*s, selectors), [&](uint32_t, const model::Labels& labels) {
      const std::optional<std::string_view> v = labels.Get(name);
      if (v.has_value() && (values.empty() || values.back() != *v)) values.emplace_back(*v);
    });
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

Result<std::vector<model::Labels>> Series(const Sources& sources,
                                          const std::vector<std::string>& matchers,
                                          const std::vector<std::string>& label_names,
                                          store::TimeRange range) {
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<Selector> selectors, ParseAll(matchers));
  std::map<std::string, model::Labels> distinct;
  for (const store::ProfileSource* s : sources) {
    if (!Overlaps(*s, range)) continue;
    for (uint32_t id : SelectAny(*s, selectors)) {
      model::Labels labels = s->SeriesLabels(id);
      if (!label_names.empty()) {
        std::vector<model::LabelPair> kept;
        for (const model::LabelPair& p : labels.pairs()) {
          if (std::find(label_names.begin(), label_names.end(), p.name) != label_names.end()) {
            kept.push_back(p);
          }
        }
        labels = model::Labels(std::move(kept));
      }
      distinct.emplace(labels.ToString(), std::move(labels));
    }
  }
  std::vector<model::Labels> out;
  for (auto& [key, labels] : distinct) out.push_back(std::move(labels));
  return out;
}

Status ForEachSelected(
    const Sources& sources, const StackQuery& query,
    const std::function<Status(const store::ProfileSource&, std::span<const uint32_t>)>& fn) {
  FLAMEDB_ASSIGN_OR_RETURN(Selector sel, ProfileSelector(query.profile_type, query.selector));
  bool known = false;
  for (const store::ProfileSource* s : sources) {
    known = known || !s->Postings("__profile_type__", query.profile_type).empty();
  }
  if (!known && !sources.empty() && query.require_known_type) {
    return InvalidArgumentError("unknown profile type \"" + query.profile_type +
                                "\": no profiles of this type were ingested");
  }
  for (const store::ProfileSource* s : sources) {
    if (!Overlaps(*s, query.range)) continue;
    const std::vector<uint32_t> ids = SelectIds(*s, sel);
    if (!ids.empty()) FLAMEDB_RETURN_IF_ERROR(fn(*s, ids));
  }
  return OkStatus();
}

Result<std::vector<uint64_t>> ParseSpanSelector(const std::vector<std::string>& span_selector) {
  std::vector<uint64_t> ids;
  for (const std::string& text : span_selector) {
    if (text.size() != 16) {
      return InvalidArgumentError("invalid span id length: " + base::JsonString(text));
    }
    const std::optional<uint64_t> id = model::ParseSpanId(text);
    if (!id.has_value()) return InvalidArgumentError("invalid span id: " + base::JsonString(text));
    ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Result<std::vector<model::TraceId>> ParseTraceSelector(const std::vector<std::string>& selector) {
  std::vector<model::TraceId> ids;
  for (const std::string& text : selector) {
    const std::optional<model::TraceId> id = model::ParseTraceId(text);
    if (!id.has_value()) {
      return InvalidArgumentError("invalid trace id: " + base::JsonString(text) +
                                  " (want 32 hex digits)");
    }
    ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

namespace {

// SumStacks of the rows of `query.profiles` among `ids` of `s`.
Result<StackSums> SumProfiles(const store::ProfileSource& s, std::span<const uint32_t> ids,
                              const StackQuery& query, QueryContext& ctx) {
  std::vector<uint32_t> kept;
  std::map<uint32_t, uint64_t> fingerprint;  // Of the kept series.
  s.ForEachSeriesLabels(ids, [&](uint32_t id, const model::Labels& labels) {
    const uint64_t fp = SeriesFingerprint(labels);
    const auto at = std::lower_bound(query.profiles.begin(), query.profiles.end(),
                                     ProfileKey{fp, INT64_MIN});
    if (at == query.profiles.end() || at->series != fp) return;
    kept.push_back(id);
    fingerprint[id] = fp;
  });
  const std::function<bool(uint32_t, int64_t)> keep = [&](uint32_t series, int64_t time) {
    const auto fp = fingerprint.find(series);
    return fp != fingerprint.end() &&
           std::binary_search(query.profiles.begin(), query.profiles.end(),
                              ProfileKey{fp->second, time});
  };
  return SumStacks(s, kept, query.range, ctx, {query.span_ids, query.trace_ids}, &keep);
}

}  // namespace

Result<std::vector<SourceSums>> SumSelected(const Sources& sources, const StackQuery& query,
                                            QueryContext& ctx) {
  std::vector<std::pair<const store::ProfileSource*, std::vector<uint32_t>>> selected;
  FLAMEDB_RETURN_IF_ERROR(ForEachSelected(
      sources, query, [&](const store::ProfileSource& s, std::span<const uint32_t> ids) {
        selected.emplace_back(&s, std::vector<uint32_t>(ids.begin(), ids.end()));
        return OkStatus();
      }));
  std::vector<SourceSums> out(selected.size());
  FLAMEDB_RETURN_IF_ERROR(ParallelFor(selected.size(), ctx.threads(), [&](size_t i) -> Status {
    out[i].source = selected[i].first;
    if (!query.profiles.empty()) {
      FLAMEDB_ASSIGN_OR_RETURN(out[i].sums,
                               SumProfiles(*selected[i].first, selected[i].second, query, ctx));
      return OkStatus();
    }
    FLAMEDB_ASSIGN_OR_RETURN(out[i].sums, SumStacks(*selected[i].first, selected[i].second,
                                                    query.range, ctx,
                                                    {query.span_ids, query.trace_ids}));
    return OkStatus();
  }));
  return out;
}

Result<FunctionTree> MergeStacktraces(const Sources& sources, const StackQuery& query,
                                      QueryContext& ctx) {
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<SourceSums> summed, SumSelected(sources, query, ctx));
  FunctionTree tree;
  for (SourceSums& s : summed) {
    FLAMEDB_RETURN_IF_ERROR(AddStackSums(*s.source, s.sums, query.stacks.call_site, ctx, tree));
    s.sums = StackSums();  // Done with it: give the memory back before the next source.
  }
  tree.ComputeTotals();
  return tree;
}

Result<FunctionTree> MergeStacktraces(const Sources& sources, const std::string& profile_type,
                                      const std::string& selector, store::TimeRange range) {
  QueryContext ctx;
  return MergeStacktraces(sources, StackQuery{profile_type, selector, range, {}, {}}, ctx);
}

ProfileStats GetProfileStats(const Sources& sources) {
  ProfileStats stats;
  for (const store::ProfileSource* s : sources) {
    const store::TimeRange r = s->Range();
    if (r.min_nanos > r.max_nanos) continue;
    stats.data_ingested = true;
    stats.oldest_ms = std::min(stats.oldest_ms, r.min_nanos / kNanosPerMilli);
    stats.newest_ms = std::max(stats.newest_ms, r.max_nanos / kNanosPerMilli);
  }
  return stats;
}

}  // namespace flamedb::query
