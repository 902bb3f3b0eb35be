// The ingest endpoints: POST /ingest and /pyroscope/ingest (every legacy format),
// push.v1.PusherService/Push (Connect), and GET /debug/ingested (what was accepted, while the
// recording sink stands in for storage).
#pragma once

#include "api/router.h"
#include "base/clock.h"
#include "distributor/distributor.h"
#include <functional>

namespace flamedb::api {

struct IngestRouteDeps {
  distributor::Distributor* distributor = nullptr;
  const distributor::Overrides* overrides = nullptr;
  // The JSON of GET /debug/ingested for a tenant; empty: no such route.
  std::function<Result<std::string>(std::string_view tenant)> debug_ingested;
  const base::Clock* clock = nullptr;
  uint64_t max_body_bytes = 0;  // The server's body limit; caps Push bodies after gunzip.
};

// All referents must outlive the router.
void AddIngestRoutes(Router& router, IngestRouteDeps deps);
// GET /debug/ingested alone (what AddIngestRoutes adds with debug_ingested), for a process
// that stores or queries without a distributor.
void AddDebugIngestedRoute(Router& router,
                           std::function<Result<std::string>(std::string_view tenant)> json);

}  // namespace flamedb::api
