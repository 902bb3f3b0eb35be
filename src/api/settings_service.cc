#include "api/settings_service.h"

#include "settings/v1/setting.pb.h"

namespace flamedb::api {
namespace {

// The generated package is ::settings::v1; plain `settings` here is flamedb::settings.
namespace sv1 = ::settings::v1;

constexpr std::string_view kService = "/settings.v1.SettingsService/";

void ToProto(const settings::Setting& s, sv1::Setting& out) {
  out.set_name(s.name);
  out.set_value(s.value);
  out.set_modifiedat(s.modified_at_ms);
}

}  // namespace

std::vector<UnaryMethod> SettingsMethods(settings::Store& store) {
  std::vector<UnaryMethod> methods;
  methods.push_back(MakeUnaryMethod<sv1::GetSettingsRequest, sv1::GetSettingsResponse>(
      std::string(kService) + "Get", true,
      [&store](RequestContext& ctx, const sv1::GetSettingsRequest&,
               sv1::GetSettingsResponse& resp) {
        FLAMEDB_ASSIGN_OR_RETURN(const std::vector<settings::Setting> all, store.Get(ctx.tenant));
        for (const settings::Setting& s : all) {
          ToProto(s, *resp.add_settings());
        }
        return OkStatus();
      }));
  methods.push_back(MakeUnaryMethod<sv1::SetSettingsRequest, sv1::SetSettingsResponse>(
      std::string(kService) + "Set", true,
      [&store](RequestContext& ctx, const sv1::SetSettingsRequest& req,
               sv1::SetSettingsResponse& resp) {
        if (!req.has_setting()) {
          return InvalidArgumentError("no setting values provided");  // Pyroscope's text.
        }
        const sv1::Setting& in = req.setting();
        FLAMEDB_ASSIGN_OR_RETURN(
            const settings::Setting stored,
            store.Set(ctx.tenant, {in.name(), in.value(), in.modifiedat()}));
        ToProto(stored, *resp.mutable_setting());
        return OkStatus();
      }));
  methods.push_back(MakeUnaryMethod<sv1::DeleteSettingsRequest, sv1::DeleteSettingsResponse>(
      std::string(kService) + "Delete", true,
      [&store](RequestContext& ctx, const sv1::DeleteSettingsRequest& req,
               sv1::DeleteSettingsResponse&) { return store.Delete(ctx.tenant, req.name()); }));
  return methods;
}

}  // namespace flamedb::api
