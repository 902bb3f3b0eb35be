// The querier.v1.QuerierService handlers, one per RPC (querier_meta.cc, querier_series.cc,
// querier_stacks.cc), and what they share: proto conversions and the method wrapper.
// querier_service.cc lists them. Internal to api/ and its tests.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/proto_types.h"
#include "api/querier_service.h"
#include "google/v1/profile.pb.h"
#include "querier/v1/querier.pb.h"
#include "types/v1/types.pb.h"

namespace flamedb::api::querier_internal {

namespace qv1 = ::querier::v1;
namespace tv1 = ::types::v1;

inline std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& r) {
  return {r.begin(), r.end()};
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

// What a handler runs a request with: the engine, the caller's tenant, the request's limits.
struct Call {
  query::Engine& engine;
  const std::string& tenant;
  query::QueryContext& ctx;
  const query::QueryLimits& limits;
};

template <typename Req, typename Resp>
using Handler = Status (*)(const Call& call, const Req& req, Resp& resp);

// The method `name` of querier.v1.QuerierService, answered by `fn`.
template <typename Req, typename Resp>
UnaryMethod Method(const std::string& name, const QuerierDeps& deps, Handler<Req, Resp> fn) {
  return MakeUnaryMethod<Req, Resp>(
      "/querier.v1.QuerierService/" + name, true,
      [deps, fn](RequestContext& ctx, const Req& req, Resp& resp) {
        query::QueryContext qctx = MakeQueryContext(ctx, deps);
        return fn(Call{*deps.engine, ctx.tenant, qctx, deps.limits}, req, resp);
      });
}

inline query::StackSelector ToStackSelector(const tv1::StackTraceSelector& s) {
  query::StackSelector out;
  for (const tv1::Location& l : s.call_site()) out.call_site.push_back(l.name());
  out.keep_locations = s.go_pgo().keep_locations();
  out.aggregate_callees = s.go_pgo().aggregate_callees();
  return out;
}

inline std::optional<int64_t> OptionalMaxNodes(bool has, int64_t value) {
  return has ? std::optional<int64_t>(value) : std::nullopt;
}

// One handler per RPC; each has the contract of the method of its name (spec §4) and refuses
// by name the fields of Pyroscope's messages that flamedb does not support.
// querier_meta.cc:
Status ProfileTypes(const Call& call, const qv1::ProfileTypesRequest& req,
                    qv1::ProfileTypesResponse& resp);
Status LabelValues(const Call& call, const tv1::LabelValuesRequest& req,
                   tv1::LabelValuesResponse& resp);
Status LabelNames(const Call& call, const tv1::LabelNamesRequest& req,
                  tv1::LabelNamesResponse& resp);
Status Series(const Call& call, const qv1::SeriesRequest& req, qv1::SeriesResponse& resp);
Status AnalyzeQuery(const Call& call, const qv1::AnalyzeQueryRequest& req,
                    qv1::AnalyzeQueryResponse& resp);
Status GetProfileStats(const Call& call, const tv1::GetProfileStatsRequest& req,
                       tv1::GetProfileStatsResponse& resp);
// querier_series.cc:
Status SelectSeries(const Call& call, const qv1::SelectSeriesRequest& req,
                    qv1::SelectSeriesResponse& resp);
Status SelectHeatmap(const Call& call, const qv1::SelectHeatmapRequest& req,
                     qv1::SelectHeatmapResponse& resp);
// querier_stacks.cc:
Status SelectMergeStacktraces(const Call& call, const qv1::SelectMergeStacktracesRequest& req,
                              qv1::SelectMergeStacktracesResponse& resp);
Status Diff(const Call& call, const qv1::DiffRequest& req, qv1::DiffResponse& resp);
Status SelectMergeProfile(const Call& call, const qv1::SelectMergeProfileRequest& req,
                          google::v1::Profile& resp);
Status SelectMergeSpanProfile(const Call& call, const qv1::SelectMergeSpanProfileRequest& req,
                              qv1::SelectMergeSpanProfileResponse& resp);

}  // namespace flamedb::api::querier_internal
