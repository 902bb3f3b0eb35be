#include "api/services.h"

#include <algorithm>

#include "capabilities/v1/feature_flags.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "version/v1/version.pb.h"

namespace flamedb::api {

UnaryMethod VersionMethod(bool serves_queries) {
  return MakeUnaryMethod<version::v1::VersionRequest, version::v1::VersionResponse>(
      "/version.v1.Version/Version", false,
      [serves_queries](RequestContext&, const version::v1::VersionRequest&,
                       version::v1::VersionResponse& resp) {
        resp.set_querierapi(serves_queries ? 1 : 0);
        return OkStatus();
      });
}

UnaryMethod FeatureFlagsMethod(bool v2_storage) {
  using capabilities::v1::GetFeatureFlagsRequest;
  using capabilities::v1::GetFeatureFlagsResponse;
  struct Flag {
    const char* name;
    bool enabled;
    const char* description;
  };
  // Pyroscope's flags, in its order. The ruler (metrics recorded from profiles) is not built;
  // label names are Prometheus names (dots become '_'), not UTF-8.
  const std::vector<Flag> flags = {
      {"v2StorageLayer", v2_storage,
       "Pyroscope v2's storage layer: segment-writers, a metastore and query-backends over "
       "object storage (flamedb's cluster mode)"},
      {"pyroscopeRuler", false, "Recording rules that export metrics from profiles"},
      {"pyroscopeRulerFunctions", false, "Per-function recording rules"},
      {"utf8LabelNames", false, "UTF-8 label names in the read and write APIs"},
  };
  return MakeUnaryMethod<GetFeatureFlagsRequest, GetFeatureFlagsResponse>(
      "/capabilities.v1.FeatureFlagsService/GetFeatureFlags", true,
      [flags](RequestContext&, const GetFeatureFlagsRequest&, GetFeatureFlagsResponse& resp) {
        for (const Flag& f : flags) {
          capabilities::v1::FeatureFlag* out = resp.add_feature_flags();
          out->set_name(f.name);
          out->set_enabled(f.enabled);
          out->set_description(f.description);
        }
        return OkStatus();
      });
}

UnaryMethod HealthCheckMethod(ReadinessCheck readiness, std::vector<std::string> services) {
  using grpc::health::v1::HealthCheckRequest;
  using grpc::health::v1::HealthCheckResponse;
  return MakeUnaryMethod<HealthCheckRequest, HealthCheckResponse>(
      "/grpc.health.v1.Health/Check", false,
      [readiness = std::move(readiness), services = std::move(services)](
          RequestContext&, const HealthCheckRequest& req, HealthCheckResponse& resp) {
        if (!req.service().empty() &&
            std::find(services.begin(), services.end(), req.service()) == services.end()) {
          return NotFoundError("unknown service \"" + req.service() + "\"");
        }
        resp.set_status(readiness().ok() ? HealthCheckResponse::SERVING
                                         : HealthCheckResponse::NOT_SERVING);
        return OkStatus();
      });
}

std::vector<std::string> ConnectServiceNames(const Router& router) {
  std::vector<std::string> out;
  for (const std::string& path : router.Paths()) {
    const size_t slash = path.find('/', 1);
    if (path.size() < 2 || slash == std::string::npos || path.find('.') > slash) {
      continue;  // Not /<package>.<Service>/<Method>.
    }
    std::string service = path.substr(1, slash - 1);
    if (std::find(out.begin(), out.end(), service) == out.end()) {
      out.push_back(std::move(service));
    }
  }
  return out;
}

}  // namespace flamedb::api
