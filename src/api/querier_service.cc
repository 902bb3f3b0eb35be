#include "api/querier_service.h"

#include "google/v1/profile.pb.h"
#include "query/analyze.h"
#include "query/flamegraph.h"
#include "query/flamegraph_diff.h"
#include "query/pprof_merge.h"
#include "query/series.h"
#include "querier/v1/querier.pb.h"
#include "types/v1/types.pb.h"

namespace flamedb::api {
namespace {

namespace qv1 = ::querier::v1;
namespace tv1 = ::types::v1;

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& r) {
  return {r.begin(), r.end()};
}

template <typename Repeated>
void AddLabels(const model::Labels& labels, Repeated& out) {
  for (const model::LabelPair& p : labels.pairs()) {
    tv1::LabelPair* pair = out.Add();
    pair->set_name(p.name);
    pair->set_value(p.value);
  }
}

// names, levels, total and max_self: the fields FlameGraph and FlameGraphDiff share.
template <typename From, typename To>
void FillLevels(const From& from, To& out) {
  for (const std::string& n : from.names) out.add_names(n);
  for (const auto& level : from.levels) {
    auto* l = out.add_levels();
    for (int64_t v : level) l->add_values(v);
  }
  out.set_total(from.total);
  out.set_max_self(from.max_self);
}

template <typename Req, typename Resp>
UnaryMethod Method(const std::string& name, const QuerierDeps& deps,
                   std::function<Status(query::Engine&, const std::string&, query::QueryContext&,
                                        const Req&, Resp&)>
                       fn) {
  return MakeUnaryMethod<Req, Resp>(
      "/querier.v1.QuerierService/" + name, true,
      [deps, fn = std::move(fn)](RequestContext& ctx, const Req& req, Resp& resp) {
        query::QueryContext qctx = MakeQueryContext(ctx, deps);
        return fn(*deps.engine, ctx.tenant, qctx, req, resp);
      });
}

query::StackSelector ToStackSelector(const tv1::StackTraceSelector& s) {
  query::StackSelector out;
  for (const tv1::Location& l : s.call_site()) out.call_site.push_back(l.name());
  out.keep_locations = s.go_pgo().keep_locations();
  out.aggregate_callees = s.go_pgo().aggregate_callees();
  return out;
}

std::optional<int64_t> OptionalMaxNodes(bool has, int64_t value) {
  return has ? std::optional<int64_t>(value) : std::nullopt;
}

// The merged tree of one SelectMergeStacktraces request (also one side of a Diff).
Result<query::FunctionTree> MergeRequest(query::Engine& e, const std::string& tenant,
                                         query::QueryContext& qctx,
                                         const qv1::SelectMergeStacktracesRequest& req,
                                         const query::QueryLimits& limits) {
  if (req.profile_id_selector_size() > 0) {
    return UnimplementedError("profile_id_selector is only supported with the v2 query backend");
  }
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(req.start(), req.end(), true, limits));
  query::StackQuery q{req.profile_typeid(), req.label_selector(), range, {}, {}};
  if (req.has_stack_trace_selector()) q.stacks = ToStackSelector(req.stack_trace_selector());
  return e.MergeStacktraces(tenant, q, qctx);
}

// The flame graph or tree of a merge, as the request's format asks (spec §4.4).
template <typename Resp>
void FillMerged(const query::FunctionTree& tree, qv1::ProfileFormat format, int64_t max_nodes,
                Resp& resp) {
  if (format == qv1::PROFILE_FORMAT_TREE) {
    resp.set_tree(query::BuildTreeBytes(tree, max_nodes));
  } else {
    FillLevels(query::BuildFlameGraph(tree, max_nodes), *resp.mutable_flamegraph());
  }
}

void FillDiff(const query::FlameGraphDiff& d, qv1::FlameGraphDiff& out) {
  FillLevels(d, out);
  out.set_leftticks(d.left_ticks);
  out.set_rightticks(d.right_ticks);
}

void FillScope(const std::string& kind, const query::ScopeStats& s, qv1::QueryScope& out) {
  out.set_component_type(kind);
  out.set_component_count(s.components);
  out.set_block_count(kind == "Long term storage" ? s.components : 0);
  out.set_series_count(s.series);
  out.set_profile_count(s.profiles);
  out.set_sample_count(s.samples);
}

}  // namespace

query::QueryContext MakeQueryContext(RequestContext& ctx, const QuerierDeps& deps) {
  return query::QueryContext({.cancelled = &ctx.cancelled,
                              .deadline = ctx.deadline,
                              .clock = deps.clock,
                              .memory_budget_bytes = deps.limits.max_query_memory_bytes,
                              .threads = deps.limits.query_threads});
}

std::vector<UnaryMethod> QuerierMethods(const QuerierDeps& deps) {
  const query::QueryLimits limits = deps.limits;
  std::vector<UnaryMethod> out;
  out.push_back(Method<qv1::ProfileTypesRequest, qv1::ProfileTypesResponse>(
      "ProfileTypes", deps, [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<query::ProfileTypeInfo> types,
                                 e.ProfileTypes(tenant, range, qctx));
        for (const query::ProfileTypeInfo& t : types) {
          tv1::ProfileType* p = resp.add_profile_types();
          p->set_id(t.id);
          p->set_name(t.name);
          p->set_sample_type(t.sample_type);
          p->set_sample_unit(t.sample_unit);
          p->set_period_type(t.period_type);
          p->set_period_unit(t.period_unit);
        }
        return OkStatus();
      }));
  out.push_back(Method<tv1::LabelValuesRequest, tv1::LabelValuesResponse>(
      "LabelValues", deps, [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<std::string> values,
                                 e.LabelValues(tenant, req.name(), Strings(req.matchers()), range, qctx));
        for (std::string& v : values) resp.add_names(std::move(v));
        return OkStatus();
      }));
  out.push_back(Method<tv1::LabelNamesRequest, tv1::LabelNamesResponse>(
      "LabelNames", deps, [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<std::string> names,
                                 e.LabelNames(tenant, Strings(req.matchers()), range, qctx));
        for (std::string& n : names) resp.add_names(std::move(n));
        return OkStatus();
      }));
  out.push_back(Method<qv1::SeriesRequest, qv1::SeriesResponse>(
      "Series", deps, [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(
            std::vector<model::Labels> sets,
            e.Series(tenant, Strings(req.matchers()), Strings(req.label_names()), range, qctx));
        for (const model::Labels& l : sets) {
          AddLabels(l, *resp.add_labels_set()->mutable_labels());
        }
        return OkStatus();
      }));
  out.push_back(Method<qv1::SelectMergeStacktracesRequest, qv1::SelectMergeStacktracesResponse>(
      "SelectMergeStacktraces", deps,
      [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(
            int64_t max_nodes,
            query::EffectiveMaxNodes(OptionalMaxNodes(req.has_max_nodes(), req.max_nodes())));
        FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree tree, MergeRequest(e, tenant, qctx, req, limits));
        FillMerged(tree, req.format(), max_nodes, resp);
        return OkStatus();
      }));
  out.push_back(Method<qv1::DiffRequest, qv1::DiffResponse>(
      "Diff", deps,
      [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        const int64_t raw = std::max(req.left().max_nodes(), req.right().max_nodes());
        FLAMEDB_ASSIGN_OR_RETURN(int64_t max_nodes, query::EffectiveMaxNodes(raw));
        FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree left,
                                 MergeRequest(e, tenant, qctx, req.left(), limits));
        FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree right,
                                 MergeRequest(e, tenant, qctx, req.right(), limits));
        FLAMEDB_ASSIGN_OR_RETURN(query::FlameGraphDiff diff,
                                 query::BuildFlameGraphDiff(left, right, max_nodes));
        FillDiff(diff, *resp.mutable_flamegraph());
        return OkStatus();
      }));
  out.push_back(Method<qv1::SelectMergeProfileRequest, google::v1::Profile>(
      "SelectMergeProfile", deps,
      [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        if (req.profile_id_selector_size() > 0) {
          return UnimplementedError(
              "profile_id_selector is only supported with the v2 query backend");
        }
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), true, limits));
        // Not truncated unless asked for (Pyroscope's default, spec §4.8).
        int64_t max_nodes = 0;
        if (req.has_max_nodes() && req.max_nodes() != 0) {
          FLAMEDB_ASSIGN_OR_RETURN(max_nodes, query::EffectiveMaxNodes(req.max_nodes()));
        }
        query::MergeProfileQuery q{{req.profile_typeid(), req.label_selector(), range, {}, {}},
                                   max_nodes, req.end() * 1000000,
                                   (req.end() - req.start()) * 1000000};
        if (req.has_stack_trace_selector()) {
          q.stacks.stacks = ToStackSelector(req.stack_trace_selector());
        }
        FLAMEDB_ASSIGN_OR_RETURN(std::string pprof, e.MergeProfile(tenant, q, qctx));
        if (!resp.ParseFromString(pprof)) {
          return InternalError("the merged profile does not parse as google.v1.Profile");
        }
        return OkStatus();
      }));
  out.push_back(Method<qv1::AnalyzeQueryRequest, qv1::AnalyzeQueryResponse>(
      "AnalyzeQuery", deps,
      [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        // Without a time range Pyroscope answers an empty response (spec §4.12).
        if (req.start() == 0 || req.end() == 0) return OkStatus();
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), true, limits));
        FLAMEDB_ASSIGN_OR_RETURN(
            query::QueryAnalysis a,
            e.AnalyzeQuery(tenant, req.query(), range, qctx));
        FillScope("Short term storage", a.heads, *resp.add_query_scopes());
        FillScope("Long term storage", a.blocks, *resp.add_query_scopes());
        resp.mutable_query_impact()->set_total_queried_series(a.heads.series + a.blocks.series);
        resp.mutable_query_impact()->set_deduplication_needed(false);
        return OkStatus();
      }));
  out.push_back(Method<tv1::GetProfileStatsRequest, tv1::GetProfileStatsResponse>(
      "GetProfileStats", deps, [](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto&, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(const query::ProfileStats stats, e.GetProfileStats(tenant, qctx));
        resp.set_data_ingested(stats.data_ingested);
        resp.set_oldest_profile_time(stats.oldest_ms);
        resp.set_newest_profile_time(stats.newest_ms);
        return OkStatus();
      }));
  out.push_back(Method<qv1::SelectMergeSpanProfileRequest, qv1::SelectMergeSpanProfileResponse>(
      "SelectMergeSpanProfile", deps,
      [limits](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(
            int64_t max_nodes,
            query::EffectiveMaxNodes(OptionalMaxNodes(req.has_max_nodes(), req.max_nodes())));
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), true, limits));
        query::StackQuery q{req.profile_typeid(), req.label_selector(), range, {}, {}};
        FLAMEDB_ASSIGN_OR_RETURN(q.span_ids, query::ParseSpanSelector(Strings(req.span_selector())));
        FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree tree,
                                 e.MergeStacktraces(tenant, q, qctx));
        FillMerged(tree, req.format(), max_nodes, resp);
        return OkStatus();
      }));
  out.push_back(Method<qv1::SelectSeriesRequest, qv1::SelectSeriesResponse>(
      "SelectSeries", deps, [](query::Engine& e, const std::string& tenant, query::QueryContext& qctx, const auto& req, auto& resp) {
        if (req.exemplar_type() == tv1::EXEMPLAR_TYPE_INDIVIDUAL ||
            req.exemplar_type() == tv1::EXEMPLAR_TYPE_SPAN) {
          return UnimplementedError("exemplars are not supported yet");
        }
        query::SeriesQuery q{req.profile_typeid(), req.label_selector(), req.start(), req.end(),
                             req.step(), Strings(req.group_by()),
                             req.has_aggregation() &&
                                 req.aggregation() == tv1::TIME_SERIES_AGGREGATION_TYPE_AVERAGE,
                             req.has_limit() ? req.limit() : 0, {}};
        if (req.has_stack_trace_selector()) {
          q.call_site = ToStackSelector(req.stack_trace_selector()).call_site;
        }
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<query::TimeSeries> series,
                                 e.SelectSeries(tenant, q, qctx));
        for (const query::TimeSeries& ts : series) {
          tv1::Series* out_series = resp.add_series();
          AddLabels(ts.labels, *out_series->mutable_labels());
          for (const query::Point& point : ts.points) {
            tv1::Point* pt = out_series->add_points();
            pt->set_timestamp(point.timestamp_ms);
            pt->set_value(point.value);
          }
        }
        return OkStatus();
      }));
  return out;
}

}  // namespace flamedb::api
