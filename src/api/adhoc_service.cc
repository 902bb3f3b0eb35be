#include "api/adhoc_service.h"

#include "adhocprofiles/v1/adhocprofiles.pb.h"
#include "api/render_params.h"
#include "base/strings.h"
#include "query/flamegraph.h"
#include "query/flamegraph_diff.h"
#include "query/querier.h"

namespace flamedb::api {
namespace {

namespace av1 = ::adhocprofiles::v1;

constexpr std::string_view kService = "/adhocprofiles.v1.AdHocProfileService/";

// max_nodes as every query takes it (absent or 0: the default; negative: invalid_argument).
Result<int64_t> MaxNodes(bool has, int64_t value) {
  return query::EffectiveMaxNodes(has ? std::optional<int64_t>(value) : std::nullopt);
}

Status Fill(const adhoc::View& v, bool has_max_nodes, int64_t raw_max_nodes,
            av1::AdHocProfilesGetResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(const int64_t max_nodes, MaxNodes(has_max_nodes, raw_max_nodes));
  resp.set_id(v.meta.id);
  resp.set_name(v.meta.name);
  resp.set_uploaded_at(v.meta.uploaded_at_ms);
  resp.set_profile_type(v.sample_type);
  for (const std::string& t : v.sample_types) resp.add_profile_types(t);
  resp.set_flamebearer_profile(
      FlamebearerJson(query::BuildFlameGraph(v.tree, max_nodes), v.sample_type, v.unit));
  return OkStatus();
}

Status Upload(adhoc::Store& store, RequestContext& ctx, const av1::AdHocProfilesUploadRequest& req,
              av1::AdHocProfilesGetResponse& resp) {
  std::string data;
  if (!base::Base64Decode(req.profile(), data)) {
    return InvalidArgumentError("profile is not base64");
  }
  FLAMEDB_RETURN_IF_ERROR(MaxNodes(req.has_max_nodes(), req.max_nodes()).status());
  FLAMEDB_ASSIGN_OR_RETURN(const adhoc::View v,
                           store.Upload(ctx.tenant, req.name(), std::move(data), ""));
  return Fill(v, req.has_max_nodes(), req.max_nodes(), resp);
}

Status Diff(adhoc::Store& store, RequestContext& ctx, const av1::AdHocProfilesDiffRequest& req,
            av1::AdHocProfilesDiffResponse& resp) {
  FLAMEDB_ASSIGN_OR_RETURN(const int64_t max_nodes, MaxNodes(req.has_max_nodes(), req.max_nodes()));
  FLAMEDB_ASSIGN_OR_RETURN(const adhoc::View left,
                           store.Get(ctx.tenant, req.left_id(), req.profile_type()));
  // The right side shows the left's sample type, so that the two compare.
  FLAMEDB_ASSIGN_OR_RETURN(const adhoc::View right,
                           store.Get(ctx.tenant, req.right_id(), left.sample_type));
  if (left.unit != right.unit) {
    return InvalidArgumentError("the profiles' \"" + left.sample_type + "\" units differ: " +
                                left.unit + " and " + right.unit);
  }
  for (const std::string& t : left.sample_types) {
    if (std::find(right.sample_types.begin(), right.sample_types.end(), t) !=
        right.sample_types.end()) {
      resp.add_profile_types(t);
    }
  }
  FLAMEDB_ASSIGN_OR_RETURN(query::FlameGraphDiff diff,
                           query::BuildFlameGraphDiff(left.tree, right.tree, max_nodes));
  resp.set_flamebearer_profile(FlamebearerDiffJson(diff, left.sample_type, left.unit));
  return OkStatus();
}

}  // namespace

std::vector<UnaryMethod> AdHocMethods(adhoc::Store& store) {
  std::vector<UnaryMethod> methods;
  methods.push_back(MakeUnaryMethod<av1::AdHocProfilesUploadRequest, av1::AdHocProfilesGetResponse>(
      std::string(kService) + "Upload", true,
      [&store](RequestContext& ctx, const auto& req, auto& resp) {
        return Upload(store, ctx, req, resp);
      }));
  methods.push_back(MakeUnaryMethod<av1::AdHocProfilesGetRequest, av1::AdHocProfilesGetResponse>(
      std::string(kService) + "Get", true,
      [&store](RequestContext& ctx, const auto& req, auto& resp) {
        FLAMEDB_RETURN_IF_ERROR(MaxNodes(req.has_max_nodes(), req.max_nodes()).status());
        FLAMEDB_ASSIGN_OR_RETURN(const adhoc::View v,
                                 store.Get(ctx.tenant, req.id(), req.profile_type()));
        return Fill(v, req.has_max_nodes(), req.max_nodes(), resp);
      }));
  methods.push_back(MakeUnaryMethod<av1::AdHocProfilesListRequest, av1::AdHocProfilesListResponse>(
      std::string(kService) + "List", true,
      [&store](RequestContext& ctx, const auto&, auto& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(const std::vector<adhoc::Listed> all, store.List(ctx.tenant));
        for (const adhoc::Listed& l : all) {
          av1::AdHocProfilesProfileMetadata* m = resp.add_profiles();
          m->set_id(l.id);
          m->set_name(l.name);
          m->set_uploaded_at(l.uploaded_at_ms);
        }
        return OkStatus();
      }));
  methods.push_back(MakeUnaryMethod<av1::AdHocProfilesDiffRequest, av1::AdHocProfilesDiffResponse>(
      std::string(kService) + "Diff", true,
      [&store](RequestContext& ctx, const auto& req, auto& resp) {
        return Diff(store, ctx, req, resp);
      }));
  return methods;
}

}  // namespace flamedb::api
