#include "frontend/partials.h"

#include <algorithm>
#include <numeric>

#include "api/proto_types.h"
#include "block/symbols.h"

namespace flamedb::frontend {

void TreeToProto(const query::FunctionTree& tree, iv1::Tree& out) {
  for (const std::string& name : tree.names()) out.add_names(name);
  const auto& nodes = tree.nodes();
  out.set_root_self(nodes[0].self);
  for (size_t i = 1; i < nodes.size(); ++i) {
    out.add_parents(nodes[i].parent);
    out.add_name_ids(nodes[i].name);
    out.add_selves(nodes[i].self);
  }
}

Status MergeTreeProto(const iv1::Tree& in, query::FunctionTree& into) {
  const int n = in.parents_size();
  if (in.name_ids_size() != n || in.selves_size() != n) {
    return DataLossError("query-backend tree: columns of unequal length");
  }
  std::vector<uint32_t> names(in.names_size());
  for (int i = 0; i < in.names_size(); ++i) names[i] = into.NameId(in.names(i));
  std::vector<uint32_t> nodes(static_cast<size_t>(n) + 1, 0);  // Theirs -> ours; 0 the root.
  for (int i = 0; i < n; ++i) {
    const uint32_t parent = in.parents(i), name = in.name_ids(i);
    // A parent comes before its child: node i+1's parent is below i+1.
    if (parent > static_cast<uint32_t>(i) || name >= names.size()) {
      return DataLossError("query-backend tree: node " + std::to_string(i + 1) +
                           " refers past what came before it");
    }
    nodes[i + 1] = into.Child(nodes[parent], names[name]);
    into.AddSelf(nodes[i + 1], in.selves(i));
  }
  into.AddSelf(0, in.root_self());
  return OkStatus();
}

void SeriesToProto(const query::SeriesPartial& partial,
                   google::protobuf::RepeatedPtrField<iv1::SeriesGroup>& out) {
  for (const auto& [key, group] : partial) {
    iv1::SeriesGroup* g = out.Add();
    api::AddLabels(group.labels, *g->mutable_labels());
    for (const auto& [t, b] : group.buckets) {
      g->add_timestamps_ms(t);
      g->add_sums(b.sum);
      g->add_counts(b.count);
      if (!b.exemplar.has_value()) continue;
      iv1::SeriesExemplar* e = g->add_exemplars();
      e->set_value(b.exemplar->value);
      e->set_time_ns(b.exemplar->time_ns);
      e->set_span_id(b.exemplar->span_id);
      e->set_trace_hi(b.exemplar->trace_id.hi);
      e->set_trace_lo(b.exemplar->trace_id.lo);
      api::AddLabels(b.exemplar->labels, *e->mutable_labels());
    }
  }
}

Result<query::SeriesPartial> SeriesFromProto(
    const google::protobuf::RepeatedPtrField<iv1::SeriesGroup>& in) {
  query::SeriesPartial out;
  for (const iv1::SeriesGroup& g : in) {
    if (g.sums_size() != g.timestamps_ms_size() || g.counts_size() != g.timestamps_ms_size() ||
        (g.exemplars_size() != 0 && g.exemplars_size() != g.timestamps_ms_size())) {
      return DataLossError("query-backend series: columns of unequal length");
    }
    model::Labels labels = api::LabelsOf(g.labels());
    query::SeriesGroup& group = out[labels.ToString()];
    group.labels = std::move(labels);
    for (int i = 0; i < g.timestamps_ms_size(); ++i) {
      query::SeriesBucket part{g.sums(i), g.counts(i), std::nullopt};
      if (g.exemplars_size() != 0) {
        const iv1::SeriesExemplar& e = g.exemplars(i);
        part.exemplar = query::Exemplar{e.value(), e.time_ns(), api::LabelsOf(e.labels()),
                                        e.span_id(), {e.trace_hi(), e.trace_lo()}};
      }
      group.buckets[g.timestamps_ms(i)].Add(part);
    }
  }
  return out;
}

void HeatmapToProto(const query::HeatmapPartial& partial,
                    google::protobuf::RepeatedPtrField<iv1::HeatmapGroup>& out) {
  for (const auto& [key, group] : partial) {
    iv1::HeatmapGroup* g = out.Add();
    api::AddLabels(group.labels, *g->mutable_labels());
    for (const model::Labels& l : group.series) api::AddLabels(l, *g->add_series()->mutable_labels());
    const bool spans = std::any_of(group.points.begin(), group.points.end(),
                                   [](const query::HeatmapPoint& p) { return p.span_id != 0; });
    const bool traces = std::any_of(group.points.begin(), group.points.end(),
                                    [](const query::HeatmapPoint& p) { return !p.trace_id.empty(); });
    for (const query::HeatmapPoint& p : group.points) {
      g->add_slots_ms(p.slot_ms);
      g->add_times_ns(p.time_ns);
      g->add_values(p.value);
      if (!group.series.empty()) g->add_series_refs(p.series);
      if (spans) g->add_span_ids(p.span_id);
      if (traces) {
        g->add_trace_ids(p.trace_id.hi);
        g->add_trace_ids(p.trace_id.lo);
      }
    }
  }
}

Result<query::HeatmapPartial> HeatmapFromProto(
    const google::protobuf::RepeatedPtrField<iv1::HeatmapGroup>& in) {
  query::HeatmapPartial out;
  for (const iv1::HeatmapGroup& g : in) {
    const int n = g.slots_ms_size();
    if (g.times_ns_size() != n || g.values_size() != n ||
        (g.series_size() != 0 && g.series_refs_size() != n) ||
        (g.span_ids_size() != 0 && g.span_ids_size() != n) ||
        (g.trace_ids_size() != 0 && g.trace_ids_size() != 2 * n)) {
      return DataLossError("query-backend heatmap: columns of unequal length");
    }
    query::HeatmapGroup group;
    group.labels = api::LabelsOf(g.labels());
    for (const types::v1::Labels& l : g.series()) group.series.push_back(api::LabelsOf(l.labels()));
    group.points.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const uint32_t ref = g.series_refs_size() != 0 ? g.series_refs(i) : 0;
      if (g.series_size() != 0 && ref >= static_cast<uint32_t>(g.series_size())) {
        return DataLossError("query-backend heatmap: series reference out of range");
      }
      const model::TraceId trace =
          g.trace_ids_size() != 0 ? model::TraceId{g.trace_ids(2 * i), g.trace_ids(2 * i + 1)}
                                  : model::TraceId{};
      group.points.push_back({g.slots_ms(i), g.times_ns(i), g.values(i), ref,
                              g.span_ids_size() != 0 ? g.span_ids(i) : 0, trace});
    }
    query::HeatmapPartial one;
    one[group.labels.ToString()] = std::move(group);
    query::MergeHeatmap(std::move(one), out);
  }
  return out;
}

void ProfileToProto(const query::ProfilePartial& partial, iv1::ProfilePartial& out) {
  if (partial.symbols == nullptr) return;
  // The builder's nodes come after their parents already: the identity order keeps the ids.
  std::vector<uint32_t> order(partial.symbols->stacks());
  std::iota(order.begin(), order.end(), 0u);
  out.set_symbols(block::EncodeSymbols(*partial.symbols, order));
  out.mutable_values()->Add(partial.values.begin(), partial.values.end());
}

Result<query::ProfilePartial> ProfileFromProto(const iv1::ProfilePartial& in) {
  query::ProfilePartial out;
  if (in.symbols().empty()) return out;
  FLAMEDB_ASSIGN_OR_RETURN(out.symbols, block::DecodeSymbols(in.symbols()));
  if (static_cast<size_t>(in.values_size()) > out.symbols->stacks()) {
    return DataLossError("query-backend profile: more values than stack nodes");
  }
  out.values.assign(in.values().begin(), in.values().end());
  return out;
}

}  // namespace flamedb::frontend
