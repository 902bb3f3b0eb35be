// GET /pyroscope/render-diff (spec §5.2): two render queries merged and aligned into one diff
// flamebearer ("double" format).
#include "api/errors.h"
#include "api/render_params.h"
#include "api/render_routes.h"
#include "base/json.h"
#include "query/flamegraph_diff.h"

namespace flamedb::api {
namespace {

struct Side {
  RenderQuery query;
  store::TimeRange range;
};

Result<Side> ParseSide(const base::QueryParams& params, const std::string& prefix,
                       const QuerierDeps& deps, const base::Clock& clock) {
  FLAMEDB_ASSIGN_OR_RETURN(RenderQuery q, ParseRenderQuery(params, prefix + "Query"));
  FLAMEDB_ASSIGN_OR_RETURN(int64_t from, TimeParam(params, prefix + "From", clock));
  FLAMEDB_ASSIGN_OR_RETURN(int64_t until, TimeParam(params, prefix + "Until", clock));
  FLAMEDB_ASSIGN_OR_RETURN(store::TimeRange range,
                           query::CheckRange(from, until, true, deps.limits));
  return Side{std::move(q), range};
}

Result<HttpResponse> RenderDiff(const QuerierDeps& deps, const base::Clock& clock,
                                RequestContext& ctx, const base::QueryParams& params) {
  FLAMEDB_ASSIGN_OR_RETURN(Side left, ParseSide(params, "left", deps, clock));
  FLAMEDB_ASSIGN_OR_RETURN(Side right, ParseSide(params, "right", deps, clock));
  if (left.query.profile_type != right.query.profile_type) {
    return InvalidArgumentError("profile types must match");
  }
  FLAMEDB_ASSIGN_OR_RETURN(std::optional<int64_t> max_nodes_param, MaxNodesParam(params));
  FLAMEDB_ASSIGN_OR_RETURN(int64_t max_nodes, query::EffectiveMaxNodes(max_nodes_param));
  query::QueryContext qctx = MakeQueryContext(ctx, deps);
  std::vector<query::FunctionTree> trees;
  for (const Side* side : {&left, &right}) {
    FLAMEDB_ASSIGN_OR_RETURN(
        query::FunctionTree tree,
        deps.engine->MergeStacktraces(
            ctx.tenant, {side->query.profile_type, side->query.selector, side->range, {}, {}},
            qctx));
    trees.push_back(std::move(tree));
  }
  FLAMEDB_ASSIGN_OR_RETURN(query::FlameGraphDiff diff,
                           query::BuildFlameGraphDiff(trees[0], trees[1], max_nodes));
  return Json(FlamebearerDiffJson(diff, left.query.sample_type, left.query.sample_unit));
}

}  // namespace

void AddRenderDiffRoute(Router& router, const QuerierDeps& deps, const base::Clock& clock) {
  router.Add({"GET"}, "/pyroscope/render-diff", {.needs_tenant = true},
             [deps, &clock](HttpRequest& req, RequestContext& ctx) {
               Result<HttpResponse> resp =
                   RenderDiff(deps, clock, ctx, base::ParseQuery(req.query));
               return resp.ok() ? std::move(resp).value() : ErrorResponse(resp.status());
             });
}

}  // namespace flamedb::api
