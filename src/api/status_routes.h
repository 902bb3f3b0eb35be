// Operational routes: /ready, /metrics, /api/v1/status/{buildinfo,config,config/diff,
// config/default} and /api/v1/tenant.
#pragma once

#include "api/router.h"
#include "api/services.h"
#include "base/flags.h"
#include "base/metrics.h"

namespace flamedb::api {

// Everything the status routes read. All referents must outlive the router.
struct StatusRouteDeps {
  ReadinessCheck readiness;
  const base::MetricsRegistry* metrics = nullptr;
  const base::FlagSet* flags = nullptr;
};

void AddStatusRoutes(Router& router, StatusRouteDeps deps);

// The JSON of /api/v1/status/buildinfo.
std::string BuildInfoJson();

}  // namespace flamedb::api
