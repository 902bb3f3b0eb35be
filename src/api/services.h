// The small Connect services every flamedb process serves: version.v1.Version and
// grpc.health.v1.Health; and capabilities.v1.FeatureFlagsService where queries are served.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/connect.h"

namespace flamedb::api {

// Reports whether every module of the process is running (see server::ModuleManager).
using ReadinessCheck = std::function<Status()>;

// /version.v1.Version/Version: the querier API version of this process, 1 when it serves
// queries (`serves_queries`), else 0, as Pyroscope reports "none known". No tenant.
UnaryMethod VersionMethod(bool serves_queries);

// /capabilities.v1.FeatureFlagsService/GetFeatureFlags: every optional feature Pyroscope 2.x
// names, with whether this server has it (docs/api.md). `v2_storage`: the process is part of a
// cluster of Pyroscope v2's architecture (segment-writers, metastore, query-backends).
UnaryMethod FeatureFlagsMethod(bool v2_storage);

// /grpc.health.v1.Health/Check: SERVING when `readiness` is OK, NOT_SERVING otherwise. The
// service name may be empty (the whole server) or one of `services` ("push.v1.PusherService");
// another name is not_found, as the gRPC health protocol says. No tenant.
UnaryMethod HealthCheckMethod(ReadinessCheck readiness, std::vector<std::string> services);

// The "<package>.<Service>" names of the Connect routes in `router` (from their paths).
std::vector<std::string> ConnectServiceNames(const Router& router);

}  // namespace flamedb::api
