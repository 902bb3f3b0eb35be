// The stack methods of querier.v1.QuerierService: merged stacks as a flame graph, tree, DOT
// graph or pprof, their diff, the merged pprof, and span profiles. Fields of Pyroscope's
// messages that flamedb does not support are refused by name, never ignored.
#include "api/querier_common.h"
#include "google/v1/profile.pb.h"
#include "query/dot.h"
#include "query/flamegraph.h"
#include "query/flamegraph_diff.h"
#include "query/pprof_merge.h"

namespace flamedb::api::querier_internal {
namespace {

// The request's trace_id_selector into `q` (samples of those traces only).
template <typename Req>
Status SelectTraces(const Req& req, query::StackQuery& q) {
  FLAMEDB_ASSIGN_OR_RETURN(q.trace_ids, query::ParseTraceSelector(Strings(req.trace_id_selector())));
  if (!q.trace_ids.empty() && !q.span_ids.empty()) {
    return InvalidArgumentError("span_selector and trace_id_selector cannot be combined");
  }
  return OkStatus();
}

// The query of one SelectMergeStacktraces request (also one side of a Diff).
Result<query::StackQuery> StackQueryOf(const qv1::SelectMergeStacktracesRequest& req,
                                       const query::QueryLimits& limits) {
  if (req.has_async()) {
    return UnimplementedError(
        "async is not supported: flamedb answers every query in the request; send it without "
        "async");
  }
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(req.start(), req.end(), true, limits));
  query::StackQuery q{req.profile_typeid(), req.label_selector(), range, {}, {}};
  if (req.has_stack_trace_selector()) q.stacks = ToStackSelector(req.stack_trace_selector());
  FLAMEDB_ASSIGN_OR_RETURN(q.span_ids, query::ParseSpanSelector(Strings(req.span_selector())));
  FLAMEDB_RETURN_IF_ERROR(SelectTraces(req, q));
  FLAMEDB_ASSIGN_OR_RETURN(q.profiles,
                           query::ParseProfileIds(Strings(req.profile_id_selector())));
  return q;
}

Result<query::FunctionTree> MergeRequest(const Call& call,
                                         const qv1::SelectMergeStacktracesRequest& req) {
  FLAMEDB_ASSIGN_OR_RETURN(query::StackQuery q, StackQueryOf(req, call.limits));
  return call.engine.MergeStacktraces(call.tenant, q, call.ctx);
}

// The merged pprof of `q` into `out`. `max_nodes`: kept as SelectMergeProfile keeps it (not
// truncated unless asked for, Pyroscope's default, spec §4.8).
Status MergePprof(const Call& call, query::StackQuery q, bool has_max_nodes,
                  int64_t raw_max_nodes, int64_t start, int64_t end, google::v1::Profile& out) {
  int64_t max_nodes = 0;
  if (has_max_nodes && raw_max_nodes != 0) {
    FLAMEDB_ASSIGN_OR_RETURN(max_nodes, query::EffectiveMaxNodes(raw_max_nodes));
  }
  const query::MergeProfileQuery mq{std::move(q), max_nodes, end * 1000000,
                                    (end - start) * 1000000};
  FLAMEDB_ASSIGN_OR_RETURN(std::string pprof, call.engine.MergeProfile(call.tenant, mq, call.ctx));
  if (!out.ParseFromString(pprof)) {
    return InternalError("the merged profile does not parse as google.v1.Profile");
  }
  return OkStatus();
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

}  // namespace

Status SelectMergeStacktraces(const Call& call, const qv1::SelectMergeStacktracesRequest& req,
                              qv1::SelectMergeStacktracesResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(query::StackQuery q, StackQueryOf(req, call.limits));
  if (req.format() == qv1::PROFILE_FORMAT_PPROF) {
    return MergePprof(call, std::move(q), req.has_max_nodes(), req.max_nodes(),
                      req.start(), req.end(), *resp.mutable_pprof()->mutable_profile());
  }
  FLAMEDB_ASSIGN_OR_RETURN(
      int64_t max_nodes,
      query::EffectiveMaxNodes(OptionalMaxNodes(req.has_max_nodes(), req.max_nodes())));
  FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree tree, call.engine.MergeStacktraces(call.tenant, q, call.ctx));
  if (req.format() == qv1::PROFILE_FORMAT_DOT) {
    resp.set_dot(query::BuildDot(tree, req.profile_typeid(), max_nodes));
    return OkStatus();
  }
  if (req.format() != qv1::PROFILE_FORMAT_UNSPECIFIED &&
      req.format() != qv1::PROFILE_FORMAT_FLAMEGRAPH && req.format() != qv1::PROFILE_FORMAT_TREE) {
    return InvalidArgumentError("format " + std::to_string(req.format()) + " is not a ProfileFormat");
  }
  if (req.format() == qv1::PROFILE_FORMAT_TREE) {
    resp.set_tree(query::BuildTreeBytes(tree, max_nodes));
  } else {
    FillLevels(query::BuildFlameGraph(tree, max_nodes), *resp.mutable_flamegraph());
  }
  return OkStatus();
}

Status Diff(const Call& call, const qv1::DiffRequest& req, qv1::DiffResponse& resp) {
  for (const auto* side : {&req.left(), &req.right()}) {
    if (side->format() != qv1::PROFILE_FORMAT_UNSPECIFIED &&
        side->format() != qv1::PROFILE_FORMAT_FLAMEGRAPH) {
      return InvalidArgumentError(std::string(side == &req.left() ? "left" : "right") +
                                  ".format: a diff is a flame graph; leave format unset");
    }
  }
  const int64_t raw = std::max(req.left().max_nodes(), req.right().max_nodes());
  FLAMEDB_ASSIGN_OR_RETURN(int64_t max_nodes, query::EffectiveMaxNodes(raw));
  FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree left, MergeRequest(call, req.left()));
  FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree right, MergeRequest(call, req.right()));
  FLAMEDB_ASSIGN_OR_RETURN(query::FlameGraphDiff diff,
                           query::BuildFlameGraphDiff(left, right, max_nodes));
  FillDiff(diff, *resp.mutable_flamegraph());
  return OkStatus();
}

Status SelectMergeProfile(const Call& call, const qv1::SelectMergeProfileRequest& req,
                          google::v1::Profile& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(req.start(), req.end(), true, call.limits));
  query::StackQuery q{req.profile_typeid(), req.label_selector(), range, {}, {}};
  if (req.has_stack_trace_selector()) q.stacks = ToStackSelector(req.stack_trace_selector());
  FLAMEDB_RETURN_IF_ERROR(SelectTraces(req, q));
  FLAMEDB_ASSIGN_OR_RETURN(q.profiles, query::ParseProfileIds(Strings(req.profile_id_selector())));
  return MergePprof(call, std::move(q), req.has_max_nodes(), req.max_nodes(), req.start(),
                    req.end(), resp);
}

Status SelectMergeSpanProfile(const Call& call, const qv1::SelectMergeSpanProfileRequest& req,
                              qv1::SelectMergeSpanProfileResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(
      int64_t max_nodes,
      query::EffectiveMaxNodes(OptionalMaxNodes(req.has_max_nodes(), req.max_nodes())));
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(req.start(), req.end(), true, call.limits));
  query::StackQuery q{req.profile_typeid(), req.label_selector(), range, {}, {}};
  FLAMEDB_ASSIGN_OR_RETURN(q.span_ids, query::ParseSpanSelector(Strings(req.span_selector())));
  FLAMEDB_ASSIGN_OR_RETURN(query::FunctionTree tree,
                           call.engine.MergeStacktraces(call.tenant, q, call.ctx));
  FillMerged(tree, req.format(), max_nodes, resp);
  return OkStatus();
}

}  // namespace flamedb::api::querier_internal
