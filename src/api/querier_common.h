// Helpers the querier.v1.QuerierService handlers share (querier_service.cc,
// querier_stacks.cc): proto conversions and the method wrapper. Internal to api/.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/querier_service.h"
#include "querier/v1/querier.pb.h"
#include "types/v1/types.pb.h"

namespace flamedb::api::querier_internal {

namespace qv1 = ::querier::v1;
namespace tv1 = ::types::v1;

inline std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& r) {
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

// The stack methods: SelectMergeStacktraces, Diff, SelectMergeProfile, SelectMergeSpanProfile.
void AddStackMethods(const QuerierDeps& deps, std::vector<UnaryMethod>& out);

}  // namespace flamedb::api::querier_internal
