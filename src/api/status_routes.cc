#include "api/status_routes.h"

#include "base/build_info.h"
#include "base/json.h"

namespace flamedb::api {
namespace {

HttpResponse Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8") {
  HttpResponse resp;
  resp.status = status;
  resp.headers.Set("Content-Type", std::move(content_type));
  resp.body = std::move(body);
  return resp;
}

void AddConfigRoute(Router& router, std::string path, const base::FlagSet* flags,
                    base::YamlView view) {
  router.Add({"GET"}, std::move(path), {}, [flags, view](HttpRequest&, RequestContext&) {
    return Text(200, flags->RenderYaml(view));
  });
}

}  // namespace

std::string BuildInfoJson() {
  const base::BuildInfo& info = base::GetBuildInfo();
  std::string out = "{\"status\":\"success\",\"data\":{\"version\":";
  base::AppendJsonString(out, info.version);
  out += ",\"revision\":";
  base::AppendJsonString(out, info.revision);
  out += ",\"branch\":";
  base::AppendJsonString(out, info.branch);
  // Pyroscope's field names; flamedb has no Go version, so goVersion names the C++ compiler.
  out += ",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":";
  base::AppendJsonString(out, info.compiler);
  out += "}}";
  return out;
}

void AddStatusRoutes(Router& router, StatusRouteDeps deps) {
  router.Add({"GET"}, "/ready", {},
             [readiness = deps.readiness](HttpRequest&, RequestContext&) {
               const Status s = readiness();
               return s.ok() ? Text(200, "ready") : Text(503, std::string(s.message()));
             });
  router.Add({"GET"}, "/metrics", {}, [metrics = deps.metrics](HttpRequest&, RequestContext&) {
    return Text(200, metrics->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  router.Add({"GET"}, "/api/v1/status/buildinfo", {}, [](HttpRequest&, RequestContext&) {
    return Text(200, BuildInfoJson(), "application/json");
  });
  AddConfigRoute(router, "/api/v1/status/config", deps.flags, base::YamlView::kEffective);
  AddConfigRoute(router, "/api/v1/status/config/diff", deps.flags, base::YamlView::kDiff);
  AddConfigRoute(router, "/api/v1/status/config/default", deps.flags, base::YamlView::kDefaults);
  // Which tenant the server resolves for this request: a quick check of a proxy's or client's
  // X-Scope-OrgID setup.
  router.Add({"GET"}, "/api/v1/tenant", {.needs_tenant = true},
             [](HttpRequest&, RequestContext& ctx) {
               return Text(200, "{\"tenant\":" + base::JsonString(ctx.tenant) + "}",
                           "application/json");
             });
}

}  // namespace flamedb::api
