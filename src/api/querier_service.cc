#include "api/querier_service.h"

#include "google/v1/profile.pb.h"
#include "query/flamegraph.h"
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

void FillFlameGraph(const query::FlameGraph& fg, qv1::FlameGraph& out) {
  for (const std::string& n : fg.names) out.add_names(n);
  for (const auto& level : fg.levels) {
    auto* l = out.add_levels();
    for (int64_t v : level) l->add_values(v);
  }
  out.set_total(fg.total);
  out.set_max_self(fg.max_self);
}

template <typename Req, typename Resp>
UnaryMethod Method(const std::string& name, const QuerierDeps& deps,
                   std::function<Status(const query::Sources&, const Req&, Resp&)> fn) {
  return MakeUnaryMethod<Req, Resp>(
      "/querier.v1.QuerierService/" + name, true,
      [get = deps.sources, fn = std::move(fn)](RequestContext& ctx, const Req& req, Resp& resp) {
        const TenantSources t = get(ctx.tenant);
        return fn(t.sources, req, resp);
      });
}

template <typename Req, typename Resp>
UnaryMethod NotYet(const std::string& name) {
  return MakeUnaryMethod<Req, Resp>(
      "/querier.v1.QuerierService/" + name, true,
      [name](RequestContext&, const Req&, Resp&) {
        return UnimplementedError("querier.v1.QuerierService/" + name +
                                  " is not implemented by this flamedb version yet");
      });
}

}  // namespace

std::vector<UnaryMethod> QuerierMethods(const QuerierDeps& deps) {
  const query::QueryLimits limits = deps.limits;
  std::vector<UnaryMethod> out;
  out.push_back(Method<qv1::ProfileTypesRequest, qv1::ProfileTypesResponse>(
      "ProfileTypes", deps, [limits](const query::Sources& s, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        for (const query::ProfileTypeInfo& t : query::ProfileTypes(s, range)) {
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
      "LabelValues", deps, [limits](const query::Sources& s, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<std::string> values,
                                 query::LabelValues(s, req.name(), Strings(req.matchers()), range));
        for (std::string& v : values) resp.add_names(std::move(v));
        return OkStatus();
      }));
  out.push_back(Method<tv1::LabelNamesRequest, tv1::LabelNamesResponse>(
      "LabelNames", deps, [limits](const query::Sources& s, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<std::string> names,
                                 query::LabelNames(s, Strings(req.matchers()), range));
        for (std::string& n : names) resp.add_names(std::move(n));
        return OkStatus();
      }));
  out.push_back(Method<qv1::SeriesRequest, qv1::SeriesResponse>(
      "Series", deps, [limits](const query::Sources& s, const auto& req, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), false, limits));
        FLAMEDB_ASSIGN_OR_RETURN(
            std::vector<model::Labels> sets,
            query::Series(s, Strings(req.matchers()), Strings(req.label_names()), range));
        for (const model::Labels& l : sets) {
          AddLabels(l, *resp.add_labels_set()->mutable_labels());
        }
        return OkStatus();
      }));
  out.push_back(Method<qv1::SelectMergeStacktracesRequest, qv1::SelectMergeStacktracesResponse>(
      "SelectMergeStacktraces", deps,
      [limits](const query::Sources& s, const auto& req, auto& resp) {
        if (req.profile_id_selector_size() > 0) {
          return UnimplementedError("profile_id_selector is only supported with the v2 query backend");
        }
        FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                                 query::CheckRange(req.start(), req.end(), true, limits));
        FLAMEDB_ASSIGN_OR_RETURN(
            int64_t max_nodes,
            query::EffectiveMaxNodes(req.has_max_nodes() ? std::optional<int64_t>(req.max_nodes())
                                                         : std::nullopt));
        FLAMEDB_ASSIGN_OR_RETURN(
            query::FunctionTree tree,
            query::MergeStacktraces(s, req.profile_typeid(), req.label_selector(), range));
        if (req.format() == qv1::PROFILE_FORMAT_TREE) {
          resp.set_tree(query::BuildTreeBytes(tree, max_nodes));
        } else {
          FillFlameGraph(query::BuildFlameGraph(tree, max_nodes), *resp.mutable_flamegraph());
        }
        return OkStatus();
      }));
  out.push_back(Method<tv1::GetProfileStatsRequest, tv1::GetProfileStatsResponse>(
      "GetProfileStats", deps, [](const query::Sources& s, const auto&, auto& resp) {
        const query::ProfileStats stats = query::GetProfileStats(s);
        resp.set_data_ingested(stats.data_ingested);
        resp.set_oldest_profile_time(stats.oldest_ms);
        resp.set_newest_profile_time(stats.newest_ms);
        return OkStatus();
      }));
  out.push_back(NotYet<qv1::SelectMergeSpanProfileRequest, qv1::SelectMergeSpanProfileResponse>(
      "SelectMergeSpanProfile"));
  out.push_back(NotYet<qv1::SelectMergeProfileRequest, google::v1::Profile>("SelectMergeProfile"));
  out.push_back(Method<qv1::SelectSeriesRequest, qv1::SelectSeriesResponse>(
      "SelectSeries", deps, [limits](const query::Sources& s, const auto& req, auto& resp) {
        if (req.exemplar_type() == tv1::EXEMPLAR_TYPE_INDIVIDUAL ||
            req.exemplar_type() == tv1::EXEMPLAR_TYPE_SPAN) {
          return UnimplementedError("exemplars are not supported yet");
        }
        query::SeriesQuery q{req.profile_typeid(), req.label_selector(), req.start(), req.end(),
                             req.step(), Strings(req.group_by()),
                             req.has_aggregation() &&
                                 req.aggregation() == tv1::TIME_SERIES_AGGREGATION_TYPE_AVERAGE,
                             req.has_limit() ? req.limit() : 0};
        FLAMEDB_ASSIGN_OR_RETURN(std::vector<query::TimeSeries> series,
                                 query::SelectSeries(s, q, limits));
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
  out.push_back(NotYet<qv1::DiffRequest, qv1::DiffResponse>("Diff"));
  out.push_back(NotYet<qv1::AnalyzeQueryRequest, qv1::AnalyzeQueryResponse>("AnalyzeQuery"));
  return out;
}

}  // namespace flamedb::api
