// Pyroscope's legacy HTTP query API (spec §5): GET /pyroscope/render (flamebearer JSON and
// timeline), /pyroscope/label-values and /pyroscope/label-names. Tenant-scoped.
#pragma once

#include <string>

#include "api/querier_service.h"
#include "api/router.h"
#include "base/clock.h"

namespace flamedb::api {

// `clock` resolves "now" in from/until; it must outlive the router. Adds render-diff too.
void AddRenderRoutes(Router& router, const QuerierDeps& deps, const base::Clock& clock);
// GET /pyroscope/render-diff (spec §5.2).
void AddRenderDiffRoute(Router& router, const QuerierDeps& deps, const base::Clock& clock);

// metadata.units of a flamebearer for a sample type and unit (spec §5.1).
std::string RenderUnits(const std::string& sample_type, const std::string& unit);

// The timeline step for a range, as Pyroscope's CalcPointInterval: (until - from) / 1500
// rounded to a Grafana interval, never below 15 s. In seconds.
int64_t TimelineStepSeconds(int64_t from_ms, int64_t until_ms);

}  // namespace flamedb::api
