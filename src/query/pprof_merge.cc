#include "query/pprof_merge.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "model/profile.h"
#include "pprof/encoder.h"
#include "query/select.h"
#include "query/stacks.h"
#include "symdb/partition.h"

namespace flamedb::query {
namespace {

constexpr uint32_t kUnset = UINT32_MAX;

// Accumulates stacks from any number of symbol partitions into one output partition whose
// stack tree merges equal location paths; ids of each input table are mapped once.
class PprofBuilder {
 public:
  PprofBuilder() = default;

  // Adds the stacks of `sums` (by stack id of `p`) that `mask` keeps (empty: all).
  void Add(const symdb::Partition& p, const std::vector<int64_t>& sums,
           const std::vector<bool>& mask) {
    Maps m(p);
    const size_t n = std::min(sums.size(), p.stacks());
    for (uint32_t stack = 1; stack < n; ++stack) {
      if (sums[stack] == 0 || (!mask.empty() && !mask[stack])) continue;
      const uint32_t node = MapNode(m, stack);
      if (node >= values_.size()) values_.resize(std::max<size_t>(node + 1, values_.size() * 2));
      values_[node] += sums[stack];
    }
  }

  size_t nodes() const { return out_->stacks(); }

  // What was added so far, before truncation and the go_pgo options. Leaves the builder empty.
  ProfilePartial TakePartial() {
    values_.resize(out_->stacks());
    ProfilePartial p{std::move(out_), std::move(values_)};
    out_ = std::make_unique<symdb::Partition>();
    values_.clear();
    return p;
  }

  // The merged profile; see MergeProfile.
  std::string Build(const MergeProfileQuery& q, const StackSelector& sel) {
    values_.resize(out_->stacks());
    const std::vector<int64_t> finals = FinalValues(q.max_nodes, sel);
    model::Profile prof;
    const std::vector<std::string> parts = ProfileTypeParts(q.stacks.profile_type);
    prof.sample_types.push_back({Str(parts[1]), Str(parts[2])});
    prof.default_sample_type = prof.sample_types[0].type;
    prof.period_type = {Str(parts[3]), Str(parts[4])};
    // Pyroscope's guesses (spec §4.8); pprof tools do not scale values by the period.
    prof.period = parts[0] == "process_cpu" ? 1000000000 : parts[0] == "memory" ? 524288 : 1;
    prof.time_nanos = q.time_nanos;
    prof.duration_nanos = q.duration_nanos;
    std::vector<uint32_t> locs;
    for (uint32_t node = 1; node < finals.size(); ++node) {
      if (finals[node] == 0) continue;
      locs.clear();
      out_->ResolveStack(node, locs);
      const auto begin = static_cast<uint32_t>(prof.location_ids.size());
      for (uint32_t l : locs) prof.location_ids.push_back(l);
      prof.samples.push_back({{begin, static_cast<uint32_t>(locs.size())},
                              {static_cast<uint32_t>(prof.values.size()), 1},
                              {}});
      prof.values.push_back(finals[node]);
    }
    AddTables(prof);
    return pprof::EncodeProfile(prof);
  }

 private:
  // Input id -> output id, per table of one input partition.
  struct Maps {
    explicit Maps(const symdb::Partition& part)
        : p(part), strings(part.strings(), kUnset), functions(part.functions(), kUnset),
          mappings(part.mappings(), kUnset), locations(part.locations(), kUnset),
          nodes(part.stacks(), kUnset) {
      strings[0] = functions[0] = mappings[0] = locations[0] = nodes[0] = 0;
    }
    const symdb::Partition& p;
    std::vector<uint32_t> strings, functions, mappings, locations, nodes;
    std::vector<uint32_t> path;
  };

  uint32_t MapString(Maps& m, uint32_t id) {
    if (m.strings[id] == kUnset) m.strings[id] = out_->InternString(m.p.String(id));
    return m.strings[id];
  }
  uint32_t MapFunction(Maps& m, uint32_t id) {
    if (m.functions[id] == kUnset) {
      const symdb::Function& f = m.p.function(id);
      m.functions[id] = out_->InternFunction({MapString(m, f.name), MapString(m, f.system_name),
                                             MapString(m, f.filename), f.start_line});
    }
    return m.functions[id];
  }
  uint32_t MapMapping(Maps& m, uint32_t id) {
    if (m.mappings[id] == kUnset) {
      symdb::Mapping mapping = m.p.mapping(id);
      mapping.filename = MapString(m, mapping.filename);
      mapping.build_id = MapString(m, mapping.build_id);
      m.mappings[id] = out_->InternMapping(mapping);
    }
    return m.mappings[id];
  }
  uint32_t MapLocation(Maps& m, uint32_t id) {
    if (m.locations[id] == kUnset) {
      const symdb::Location& l = m.p.location(id);
      lines_.clear();
      for (const symdb::Line& line : m.p.Lines(l)) {
        lines_.push_back({MapFunction(m, line.function), line.line});
      }
      m.locations[id] = out_->InternLocation(MapMapping(m, l.mapping), l.address, lines_);
    }
    return m.locations[id];
  }
  uint32_t MapNode(Maps& m, uint32_t stack) {
    m.path.clear();
    uint32_t n = stack;
    while (m.nodes[n] == kUnset) {
      m.path.push_back(n);
      n = m.p.stack_parent(n);
    }
    uint32_t cur = m.nodes[n];
    for (auto it = m.path.rbegin(); it != m.path.rend(); ++it) {
      cur = out_->InternChild(cur, MapLocation(m, m.p.stack_location(*it)));
      m.nodes[*it] = cur;
    }
    return cur;
  }

  // Values by output node after max_nodes truncation and the go_pgo options: a stack through
  // a node whose total is under the threshold ends in an "other" location at that point.
  std::vector<int64_t> FinalValues(int64_t max_nodes, const StackSelector& sel) {
    const size_t n = values_.size();
    const int64_t threshold = Threshold(max_nodes);
    if (threshold == 0 && sel.keep_locations == 0 && !sel.aggregate_callees) return values_;
    std::vector<int64_t> finals(n, 0);
    std::vector<uint32_t> path, locs;
    for (uint32_t node = 1; node < n; ++node) {
      if (values_[node] == 0) continue;
      path.clear();
      for (uint32_t x = node; x != 0; x = out_->stack_parent(x)) path.push_back(x);
      // path is leaf first; find the root-most node under the threshold.
      size_t keep = path.size();
      for (size_t i = path.size(); threshold > 0 && i-- > 0;) {
        if (totals_[path[i]] < threshold) {
          keep = path.size() - 1 - i;  // Nodes above it, root first.
          break;
        }
      }
      locs.clear();
      if (keep < path.size()) locs.push_back(OtherLocation());
      for (size_t i = path.size() - keep; i < path.size(); ++i) {
        locs.push_back(out_->stack_location(path[i]));
      }
      if (sel.keep_locations > 0 && locs.size() > sel.keep_locations) {
        locs.resize(sel.keep_locations);
      }
      if (sel.aggregate_callees && !locs.empty()) locs[0] = WithoutLineNumbers(locs[0]);
      const uint32_t target = out_->InternStack(locs);
      if (target >= finals.size()) finals.resize(std::max<size_t>(target + 1, finals.size() * 2));
      finals[target] += values_[node];
    }
    return finals;
  }

  // The max_nodes-th largest node total, or 0 when every node is kept; fills totals_.
  int64_t Threshold(int64_t max_nodes) {
    const size_t n = values_.size();
    if (max_nodes <= 0 || n - 1 <= static_cast<size_t>(max_nodes)) return 0;
    totals_ = values_;
    for (size_t i = n - 1; i > 0; --i) totals_[out_->stack_parent(i)] += totals_[i];
    std::vector<int64_t> sorted(totals_.begin() + 1, totals_.end());
    const auto nth = sorted.begin() + (max_nodes - 1);
    std::nth_element(sorted.begin(), nth, sorted.end(), std::greater<int64_t>());
    return *nth;
  }

  uint32_t OtherLocation() {
    const uint32_t name = out_->InternString("other");
    const symdb::Line line{out_->InternFunction({name, name, 0, 0}), 0};
    return out_->InternLocation(0, 0, {&line, 1});
  }

  uint32_t WithoutLineNumbers(uint32_t location) {
    const symdb::Location& l = out_->location(location);
    lines_.clear();
    for (const symdb::Line& line : out_->Lines(l)) lines_.push_back({line.function, 0});
    return out_->InternLocation(l.mapping, 0, lines_);
  }

  int64_t Str(const std::string& s) { return out_->InternString(s); }

  // Output tables: ids are the output partition's indexes (0, the empty entry, is left out).
  void AddTables(model::Profile& prof) const {
    for (uint32_t i = 1; i < out_->mappings(); ++i) {
      const symdb::Mapping& m = out_->mapping(i);
      prof.mappings.push_back({i, m.memory_start, m.memory_limit, m.file_offset, m.filename,
                               m.build_id, (m.flags & 1) != 0, (m.flags & 2) != 0,
                               (m.flags & 4) != 0, (m.flags & 8) != 0});
    }
    for (uint32_t i = 1; i < out_->locations(); ++i) {
      const symdb::Location& l = out_->location(i);
      const auto begin = static_cast<uint32_t>(prof.lines.size());
      for (const symdb::Line& line : out_->Lines(l)) {
        prof.lines.push_back({line.function, line.line, 0});
      }
      prof.locations.push_back({i, l.mapping, l.address, {begin, l.lines_size}, false});
    }
    for (uint32_t i = 1; i < out_->functions(); ++i) {
      const symdb::Function& f = out_->function(i);
      prof.functions.push_back({i, f.name, f.system_name, f.filename, f.start_line});
    }
    for (uint32_t i = 0; i < out_->strings(); ++i) prof.string_table.push_back(out_->String(i));
  }

  std::unique_ptr<symdb::Partition> out_ = std::make_unique<symdb::Partition>();
  std::vector<int64_t> values_;  // By output stack node.
  std::vector<int64_t> totals_;  // By output stack node, when truncating.
  std::vector<symdb::Line> lines_;
};

}  // namespace

namespace {

// What an output stack node costs: parent, location and its hash table entry, and a value.
constexpr int64_t kNodeBytes = 32;

// Adds the stacks of every source `query` selects to `builder`; false when none matched.
Result<bool> AddSources(const Sources& sources, const MergeProfileQuery& q, QueryContext& ctx,
                        PprofBuilder& builder) {
  bool any = false;
  FLAMEDB_ASSIGN_OR_RETURN(std::vector<SourceSums> summed, SumSelected(sources, q.stacks, ctx));
  for (SourceSums& s : summed) {
    for (uint32_t p = 0; p < s.sums.size(); ++p) {
      if (s.sums[p].empty()) continue;
      any = true;
      const size_t before = builder.nodes();
      FLAMEDB_RETURN_IF_ERROR(s.source->WithSymbols(p, [&](const symdb::Partition& part) {
        builder.Add(part, s.sums[p], CallSiteMask(part, q.stacks.stacks.call_site));
      }));
      FLAMEDB_RETURN_IF_ERROR(
          ctx.Charge(static_cast<int64_t>(builder.nodes() - before) * kNodeBytes));
    }
    s.sums = StackSums();  // Done with it: give the memory back before the next source.
  }
  return any;
}

}  // namespace

Result<std::string> MergeProfile(const Sources& sources, const MergeProfileQuery& q,
                                 QueryContext& ctx) {
  PprofBuilder builder;
  FLAMEDB_ASSIGN_OR_RETURN(const bool any, AddSources(sources, q, ctx, builder));
  if (!any) return std::string();
  return builder.Build(q, q.stacks.stacks);
}

Result<ProfilePartial> CollectProfile(const Sources& sources, const MergeProfileQuery& q,
                                      QueryContext& ctx) {
  PprofBuilder builder;
  FLAMEDB_ASSIGN_OR_RETURN(const bool any, AddSources(sources, q, ctx, builder));
  if (!any) return ProfilePartial();
  return builder.TakePartial();
}

Result<std::string> FinishProfile(const std::vector<ProfilePartial>& partials,
                                  const MergeProfileQuery& q, QueryContext& ctx) {
  PprofBuilder builder;
  bool any = false;
  for (const ProfilePartial& p : partials) {
    if (p.symbols == nullptr) continue;
    any = true;
    const size_t before = builder.nodes();
    builder.Add(*p.symbols, p.values, {});
    FLAMEDB_RETURN_IF_ERROR(
        ctx.Charge(static_cast<int64_t>(builder.nodes() - before) * kNodeBytes));
  }
  if (!any) return std::string();
  return builder.Build(q, q.stacks.stacks);
}

}  // namespace flamedb::query
